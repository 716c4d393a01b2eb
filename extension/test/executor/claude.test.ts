// The Claude runner on the REAL Claude Agent SDK and Claude Code binary, against the scripted model
// server: files really written, events mapped, sessions resumed, cancel, model errors, missing binary.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { TaskEvent } from '@wegent/shared';
import { runClaude, type ClaudeRunRequest } from '../../src/executor/claude';
import { dropConnection, httpError, reply, startModelServer, text, thinking, toolUse, type ModelServer } from '../../../test/support/modelServer';
import { removeTempDirs, silentLogger, tempDir } from './tmp';

describe('executor: Claude runner (real Agent SDK)', function () {
  this.timeout(90_000);
  let model: ModelServer;
  let configDir: string;

  before(async () => {
    model = await startModelServer();
    configDir = tempDir('claude-config');
  });
  after(async () => {
    await model.close();
    removeTempDirs();
  });

  function run(prompt: string, extra: Partial<ClaudeRunRequest> = {}) {
    const events: TaskEvent[] = [];
    const controller = new AbortController();
    const cwd = extra.cwd ?? tempDir('ws');
    const done = runClaude({
      subtaskId: 'st-1',
      prompt,
      cwd,
      permissionMode: 'acceptEdits',
      env: model.claudeEnv(configDir),
      signal: controller.signal,
      onEvent: (e) => events.push(e),
      logger: silentLogger,
      ...extra,
    });
    return { events, controller, cwd, done };
  }

  it('writes a file in the workspace through the Write tool and streams thinking, text, tool_use, tool_result', async () => {
    const cwd = tempDir('ws');
    const file = path.join(cwd, 'hello.txt');
    model.script(
      'WRITE-1',
      reply(thinking('Planning the file.'), text('Writing it now.'), toolUse('Write', { file_path: file, content: 'hello from the model\n' }, 'toolu_write1')),
      reply(text('Done: hello.txt created.')),
    );
    const { events, done } = run('WRITE-1: create hello.txt', { cwd });
    const outcome = await done;

    assert.equal(outcome.status, 'completed', JSON.stringify(outcome.error));
    assert.equal(readFileSync(file, 'utf8'), 'hello from the model\n');
    assert.equal(outcome.result, 'Done: hello.txt created.');
    assert.ok(outcome.sessionId, 'a session id is returned');
    const texts = (type: string) => events.filter((e) => e.type === type).map((e) => (e as { text: string }).text).join('');
    assert.equal(texts('thinking'), 'Planning the file.');
    assert.equal(texts('text'), 'Writing it now.Done: hello.txt created.');
    const use = events.find((e) => e.type === 'tool_use');
    assert.deepEqual(use, { type: 'tool_use', id: 'toolu_write1', name: 'Write', input: { file_path: file, content: 'hello from the model\n' } });
    const result = events.find((e) => e.type === 'tool_result');
    assert.ok(result && result.type === 'tool_result' && result.tool_use_id === 'toolu_write1' && !result.is_error, JSON.stringify(result));
    // The session's start is a coded status (the chat shows its model with the reply, not a line).
    const session = events.find((e) => e.type === 'status' && e.code === 'session_started');
    assert.ok(session?.type === 'status' && session.model && session.permission_mode, JSON.stringify(session));
    // order: thinking before the tool call, the tool result after it, the final text last
    const order = events.map((e) => e.type).filter((t) => t !== 'status');
    assert.ok(order.indexOf('thinking') < order.indexOf('tool_use') && order.indexOf('tool_use') < order.indexOf('tool_result'));
    assert.equal(order[order.length - 1], 'text');
    // the model saw the tool result Claude Code produced
    const second = model.requestsFor('WRITE-1')[1];
    assert.equal(second.toolResults[0]?.tool_use_id, 'toolu_write1');
  });

  it('resumes the same session for a follow-up: the model server sees the earlier turn', async () => {
    const cwd = tempDir('ws');
    model.script('FIRST-TURN', reply(text('The secret word is avocado.')));
    const first = await run('FIRST-TURN: remember a word', { cwd }).done;
    assert.equal(first.status, 'completed');
    model.script('SECOND-TURN', reply(text('You asked me to remember a word.')));
    const second = await run('SECOND-TURN: what did I ask?', { cwd, resume: first.sessionId }).done;
    assert.equal(second.status, 'completed', JSON.stringify(second.error));
    assert.equal(second.sessionId, first.sessionId);
    const req = model.requestsFor('SECOND-TURN')[0];
    const conversation = JSON.stringify(req.body.messages);
    assert.ok(conversation.includes('FIRST-TURN: remember a word'), 'earlier prompt is in the history');
    assert.ok(conversation.includes('The secret word is avocado.'), 'earlier answer is in the history');
  });

  it('reports the usage of the result: the model\'s token counts summed over the agent\'s turns, cost, duration, turns', async () => {
    const cwd = tempDir('ws');
    model.script(
      'USAGE-1',
      reply(toolUse('Write', { file_path: path.join(cwd, 'u.txt'), content: 'u' }), { usage: { input_tokens: 1200, output_tokens: 30, cache_creation_input_tokens: 500, cache_read_input_tokens: 7000 } }),
      reply(text('Done.'), { usage: { input_tokens: 34, output_tokens: 56, cache_read_input_tokens: 100 } }),
    );
    const outcome = await run('USAGE-1: write u.txt', { cwd }).done;
    assert.equal(outcome.status, 'completed', JSON.stringify(outcome.error));
    const u = outcome.usage!;
    assert.deepEqual(
      { input: u.input_tokens, output: u.output_tokens, write: u.cache_creation_input_tokens, read: u.cache_read_input_tokens, turns: u.num_turns },
      { input: 1234, output: 86, write: 500, read: 7100, turns: 2 },
    );
    assert.ok(u.total_cost_usd! > 0 && u.duration_ms! > 0 && u.duration_api_ms! > 0, JSON.stringify(u));
    // Only the known fields travel (the SDK's service_tier, server_tool_use, … stay on the device).
    assert.deepEqual(Object.keys(u).sort(), ['cache_creation_input_tokens', 'cache_read_input_tokens', 'duration_api_ms', 'duration_ms', 'input_tokens', 'num_turns', 'output_tokens', 'total_cost_usd']);
  });

  it('cancels a streaming turn via abort and ends "cancelled"', async () => {
    model.script('HANG-1', reply(text('Starting a very long answer'), { hang: true }));
    const { events, controller, done } = run('HANG-1: talk forever');
    const deadline = Date.now() + 30_000;
    while (!events.some((e) => e.type === 'text')) {
      assert.ok(Date.now() < deadline, 'text streamed before cancel');
      await new Promise((r) => setTimeout(r, 20));
    }
    controller.abort();
    const outcome = await done;
    assert.equal(outcome.status, 'cancelled');
    assert.equal(outcome.usage, undefined, 'a cancelled turn has no result, so no usage: nothing is made up');
    await model.waitFor(() => model.requestsFor('HANG-1').some((r) => r.clientAborted));
  });

  it('maps HTTP 529 to failed MODEL_OVERLOADED with a clear message', async () => {
    model.script('OVERLOAD-1', httpError(529));
    const outcome = await run('OVERLOAD-1: hi').done;
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.error?.code, 'MODEL_OVERLOADED');
    assert.match(outcome.error!.message, /overloaded/i);
  });

  it('maps a dropped model connection to failed MODEL_ERROR naming the lost connection', async () => {
    // Claude Code retries a dropped stream once without streaming: drop both.
    model.script('DROP-1', dropConnection(text('partial')), dropConnection(), dropConnection());
    const outcome = await run('DROP-1: hi').done;
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.error?.code, 'MODEL_ERROR');
    assert.match(outcome.error!.message, /connection|ECONNRESET/i);
  });

  it('denies file edits in the default permission mode when nobody approves, and writes nothing', async () => {
    const cwd = tempDir('ws');
    const file = path.join(cwd, 'denied.txt');
    model.script('DENY-1', reply(toolUse('Write', { file_path: file, content: 'x' }, 'toolu_deny1')), reply(text('I could not write it.')));
    const { events, done } = run('DENY-1: write', { cwd, permissionMode: 'default' });
    const outcome = await done;
    assert.equal(outcome.status, 'completed');
    assert.equal(existsSync(file), false);
    const result = events.find((e) => e.type === 'tool_result');
    assert.ok(result && result.type === 'tool_result' && result.is_error, 'the denial reaches the chat as an error tool_result');
    const note = events.find((e) => e.type === 'status' && /not allowed to use Write/.test(e.text));
    assert.ok(note, `a status event says which tool was refused and how to allow it: ${JSON.stringify(events)}`);
  });

  it('asks canUseTool in the default mode and runs the tool when allowed', async () => {
    const cwd = tempDir('ws');
    const file = path.join(cwd, 'approved.txt');
    const asked: string[] = [];
    model.script('APPROVE-1', reply(toolUse('Write', { file_path: file, content: 'ok' })), reply(text('Written.')));
    const outcome = await run('APPROVE-1: write', {
      cwd,
      permissionMode: 'default',
      canUseTool: async (toolName, input) => {
        asked.push(toolName);
        return { behavior: 'allow', updatedInput: input };
      },
    }).done;
    assert.equal(outcome.status, 'completed');
    assert.deepEqual(asked, ['Write']);
    assert.equal(readFileSync(file, 'utf8'), 'ok');
  });

  it('reports a missing Claude Code binary as CLAUDE_NOT_INSTALLED with how to fix it', async () => {
    const outcome = await run('anything', { claudeCodePath: '/nonexistent/bin/claude' }).done;
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.error?.code, 'CLAUDE_NOT_INSTALLED');
    assert.match(outcome.error!.message, /\/nonexistent\/bin\/claude/);
    assert.match(outcome.error!.message, /install/i);
  });

  it('reports a missing API key / login as CLAUDE_AUTH', async () => {
    const env = { ...model.claudeEnv(configDir), ANTHROPIC_API_KEY: '' };
    const outcome = await run('NOAUTH', { env }).done;
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.error?.code, 'CLAUDE_AUTH', JSON.stringify(outcome.error));
    assert.match(outcome.error!.message, /log in|ANTHROPIC_API_KEY/);
  });
});
