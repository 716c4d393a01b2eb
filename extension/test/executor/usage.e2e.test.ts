// Usage and cost end to end (issue 16): the built wegent-executor runs the real Claude Code through
// the real Agent SDK against the scripted model server, which reports known token counts on each
// response. What the SDK adds up travels on task:complete to the backend: the chat sees it on
// chat:done, the conversation's history keeps it, GET /api/usage sums it for the caller by day and
// device (and shows another user nothing of it), and the operators' /metrics counters move by it.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { UsageSummary } from '@wegent/shared';
import { createUser } from '../../../test/support/backend';
import { api } from '../../../test/support/clients';
import { reply, text, toolUse } from '../../../test/support/modelServer';
import { buildCli, onlineDevice, runCli, type CliRun } from './cliProcess';
import { startStack, type Stack } from './stack';
import { tempDir } from './tmp';

describe('executor: usage and cost from the real Agent SDK reach the chat, the history, /api/usage and /metrics', function () {
  this.timeout(180_000);
  let stack: Stack;
  let run: CliRun | undefined;

  before(async function () {
    this.timeout(120_000);
    buildCli();
    stack = await startStack();
  });
  after(async () => {
    if (run && run.proc.exitCode === null) run.proc.kill('SIGKILL');
    await stack?.stop();
  });

  const metric = async (name: string): Promise<number> => {
    const body = (await api(stack.backend.url, 'GET', '/metrics')).body as string;
    return Number(body.match(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)`, 'm'))?.[1] ?? 0);
  };

  it('a two-step reply reports the tokens the model server sent, summed by the SDK, with cost, duration and turns', async () => {
    const tokenFile = path.join(tempDir('secret'), 'executor.env');
    writeFileSync(tokenFile, `WEGENT_TOKEN=${stack.user.token}\n`, { mode: 0o600 });
    const workspace = tempDir('ws');
    run = runCli(
      ['--backend-url', stack.backend.url, '--token-file', tokenFile, '--workspace', workspace, '--data-dir', tempDir('data'), '--name', 'Usage box', '--permission-mode', 'acceptEdits'],
      stack.model.claudeEnv(stack.claudeConfigDir),
    );
    const deviceId = await onlineDevice(run, stack.backend.url, stack.user.token, 'Usage box');
    stack.model.script(
      'USAGE-E2E',
      reply(text('Writing.'), toolUse('Write', { file_path: path.join(workspace, 'cost.txt'), content: 'priced\n' }), {
        usage: { input_tokens: 1000, output_tokens: 100, cache_creation_input_tokens: 2000, cache_read_input_tokens: 3000 },
      }),
      reply(text('Wrote cost.txt.'), { usage: { input_tokens: 234, output_tokens: 56, cache_read_input_tokens: 5000 } }),
    );
    const before = {
      input: await metric('wegent_tokens_total{kind="input",pool="local"}'),
      output: await metric('wegent_tokens_total{kind="output",pool="local"}'),
      write: await metric('wegent_tokens_total{kind="cache_write",pool="local"}'),
      read: await metric('wegent_tokens_total{kind="cache_read",pool="local"}'),
      cost: await metric('wegent_cost_usd_total{pool="local"}'),
      replies: await metric('wegent_usage_replies_total{pool="local"}'),
    };

    const sent = await stack.chat.sendOk({ device_id: deviceId, message: 'USAGE-E2E write cost.txt', permission_mode: 'acceptEdits' });
    const done = await stack.chat.waitForDone(sent.subtask_id, 120_000);
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    const u = done.usage!;
    assert.ok(u, 'chat:done carries usage');
    assert.deepEqual(
      { input: u.input_tokens, output: u.output_tokens, write: u.cache_creation_input_tokens, read: u.cache_read_input_tokens, turns: u.num_turns },
      { input: 1234, output: 156, write: 2000, read: 8000, turns: 2 },
    );
    assert.ok(u.total_cost_usd! > 0, 'the SDK priced the reply');
    assert.ok(u.duration_ms! > 0 && u.duration_api_ms! > 0 && u.duration_api_ms! <= u.duration_ms!, JSON.stringify(u));

    // The history keeps it: the stored subtask, and chat:resume's done.
    const detail = await api(stack.backend.url, 'GET', `/api/tasks/${sent.task_id}`, { token: stack.user.token });
    assert.deepEqual(detail.body.subtasks[0].usage, u);
    assert.deepEqual((await stack.chat.resume(sent.subtask_id, 0)).done?.usage, u);

    // The caller's usage, by day and by device.
    const summary = (await api<UsageSummary>(stack.backend.url, 'GET', '/api/usage', { token: stack.user.token })).body;
    const expected = { ...u, replies: 1 };
    assert.deepEqual(summary.total, expected);
    assert.deepEqual(summary.days, [{ date: new Date().toISOString().slice(0, 10), ...expected }]);
    assert.deepEqual(summary.devices, [{ device_id: deviceId, name: 'Usage box', ...expected }]);
    // Another user's usage says nothing of it.
    const other = await createUser(stack.backend);
    const theirs = (await api<UsageSummary>(stack.backend.url, 'GET', '/api/usage', { token: other.token })).body;
    assert.deepEqual(theirs.total, { replies: 0 });
    assert.deepEqual(theirs.devices, []);

    // The operators' counters moved by exactly this reply.
    assert.equal(await metric('wegent_tokens_total{kind="input",pool="local"}'), before.input + 1234);
    assert.equal(await metric('wegent_tokens_total{kind="output",pool="local"}'), before.output + 156);
    assert.equal(await metric('wegent_tokens_total{kind="cache_write",pool="local"}'), before.write + 2000);
    assert.equal(await metric('wegent_tokens_total{kind="cache_read",pool="local"}'), before.read + 8000);
    assert.ok(Math.abs((await metric('wegent_cost_usd_total{pool="local"}')) - before.cost - u.total_cost_usd!) < 1e-9);
    assert.equal(await metric('wegent_usage_replies_total{pool="local"}'), before.replies + 1);
  });
});
