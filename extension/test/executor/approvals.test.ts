// The approvals module on the REAL Claude Agent SDK and Claude Code binary, against the scripted model
// server: a model turn asks for Write / Bash in permission mode "default", the request is streamed,
// and whichever answer comes first — a chat's reply, the person at the device, the timeout — decides
// what Claude Code does; the decision is streamed too.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { PermissionDecisionEvent, PermissionMode, PermissionRequestEvent, TaskEvent } from '@wegent/shared';
import { Approvals } from '../../src/executor/approvals';
import { runClaude } from '../../src/executor/claude';
import { reply, startModelServer, text, toolUse, type ModelServer } from '../../../test/support/modelServer';
import { waitFor } from '../../../test/support/wait';
import { removeTempDirs, silentLogger, tempDir } from './tmp';

describe('executor: approvals (real Agent SDK)', function () {
  this.timeout(90_000);
  let model: ModelServer;
  let configDir: string;
  let n = 0;

  before(async () => {
    model = await startModelServer();
    configDir = tempDir('claude-config');
  });
  after(async () => {
    await model.close();
    removeTempDirs();
  });

  /** One task run through an Approvals instance, as the executor wires it. */
  function run(prompt: string, o: { mode?: PermissionMode; ceiling?: PermissionMode; timeoutMs?: number; cwd?: string } = {}) {
    const subtaskId = `st-${++n}`;
    const events: TaskEvent[] = [];
    const approvals = new Approvals({ emit: (_id, e) => events.push(e), timeoutMs: o.timeoutMs ?? 60_000 });
    approvals.begin(subtaskId, 'task-1', prompt);
    const controller = new AbortController();
    const cwd = o.cwd ?? tempDir('ws');
    const done = runClaude({
      subtaskId, prompt, cwd, permissionMode: o.mode ?? 'default', env: model.claudeEnv(configDir), signal: controller.signal,
      onEvent: (e) => events.push(e), logger: silentLogger, canUseTool: approvals.canUseTool(subtaskId, o.ceiling ?? o.mode ?? 'default'),
    }).finally(() => approvals.end(subtaskId));
    const requests = () => events.filter((e): e is PermissionRequestEvent => e.type === 'permission_request');
    const decisions = () => events.filter((e): e is PermissionDecisionEvent => e.type === 'permission_decision');
    const nextRequest = (i = 0) => waitFor(() => requests()[i], { timeout: 60_000, message: `permission request #${i + 1}` });
    return { subtaskId, events, approvals, controller, cwd, done, requests, decisions, nextRequest };
  }

  it('Write in "default": the request names the file; a chat allow writes it and the decision says by "chat"', async () => {
    const cwd = tempDir('ws');
    const file = path.join(cwd, 'allowed.txt');
    model.script('AP-ALLOW', reply(toolUse('Write', { file_path: file, content: 'yes' }, 'toolu_apallow1')), reply(text('Written.')));
    const r = run('AP-ALLOW write', { cwd });
    const req = await r.nextRequest();
    assert.equal(req.tool_name, 'Write');
    assert.equal(req.request_id, 'toolu_apallow1', 'the request id is the tool call id');
    assert.equal(req.tool_use_id, 'toolu_apallow1');
    assert.deepEqual(req.input, { file_path: file, content: 'yes' });
    assert.ok(req.expires_at && Date.parse(req.expires_at) > Date.now());
    assert.equal(existsSync(file), false, 'nothing is written while it waits');
    assert.deepEqual(r.approvals.list().map((a) => a.toolName), ['Write']);

    assert.deepEqual(r.approvals.reply({ subtask_id: r.subtaskId, request_id: req.request_id, decision: 'allow', client: 'browser', decided_at: '2026-12-02T14:02:00.000Z' }), { ok: true });
    assert.equal((await r.done).status, 'completed');
    assert.equal(readFileSync(file, 'utf8'), 'yes');
    assert.deepEqual(r.decisions(), [{ type: 'permission_decision', request_id: req.request_id, decision: 'allow', by: 'chat', decided_at: '2026-12-02T14:02:00.000Z', client: 'browser' }]);
    // A resend of the same reply is acked and changes nothing.
    assert.deepEqual(r.approvals.list(), []);
  });

  it('deny with a note: nothing is written and Claude’s next turn sees the note', async () => {
    const cwd = tempDir('ws');
    const file = path.join(cwd, 'denied.txt');
    model.script('AP-DENY', reply(toolUse('Write', { file_path: file, content: 'no' })), reply(text('Understood.')));
    const r = run('AP-DENY write', { cwd });
    const req = await r.nextRequest();
    r.approvals.reply({ subtask_id: r.subtaskId, request_id: req.request_id, decision: 'deny', message: 'Put it under tmp/ instead' });
    assert.equal((await r.done).status, 'completed');
    assert.equal(existsSync(file), false);
    const seen = model.requestsFor('AP-DENY').flatMap((q) => q.toolResults);
    assert.ok(seen.some((t) => t.is_error && /denied Write/.test(t.text) && t.text.includes('Put it under tmp/ instead')), JSON.stringify(seen));
    assert.equal(r.decisions()[0].message, 'Put it under tmp/ instead');
  });

  it('allow for this task: a second Write in the same subtask runs without asking', async () => {
    const cwd = tempDir('ws');
    const [a, b] = [path.join(cwd, 'a.txt'), path.join(cwd, 'b.txt')];
    model.script('AP-TASK', reply(toolUse('Write', { file_path: a, content: 'A' })), reply(toolUse('Write', { file_path: b, content: 'B' })), reply(text('Both.')));
    const r = run('AP-TASK write two', { cwd });
    const req = await r.nextRequest();
    r.approvals.reply({ subtask_id: r.subtaskId, request_id: req.request_id, decision: 'allow', scope: 'task' });
    assert.equal((await r.done).status, 'completed');
    assert.equal(readFileSync(a, 'utf8'), 'A');
    assert.equal(readFileSync(b, 'utf8'), 'B');
    assert.equal(r.requests().length, 1, 'one card for both writes');
    assert.equal(r.decisions()[0].scope, 'task');
  });

  it('Bash answered at the device: first answer wins, a later chat reply is acked as a repeat', async () => {
    const cwd = tempDir('ws');
    model.script('AP-BASH', reply(toolUse('Bash', { command: 'echo ran > bash.txt', description: 'write a file' })), reply(text('Ran it.')));
    const r = run('AP-BASH run', { cwd });
    const req = await r.nextRequest();
    assert.equal((req.input as { command: string }).command, 'echo ran > bash.txt');
    assert.deepEqual(r.approvals.answer(r.subtaskId, req.request_id, { decision: 'allow' }), { ok: true });
    assert.deepEqual(r.approvals.answer(r.subtaskId, req.request_id, { decision: 'deny' }), { ok: false, decidedBy: 'device', decision: 'allow' });
    assert.deepEqual(r.approvals.reply({ subtask_id: r.subtaskId, request_id: req.request_id, decision: 'deny' }), { ok: true });
    assert.equal((await r.done).status, 'completed');
    assert.equal(readFileSync(path.join(cwd, 'bash.txt'), 'utf8').trim(), 'ran');
    assert.deepEqual(r.decisions().map((d) => [d.decision, d.by]), [['allow', 'device']]);
  });

  it('nobody answers: denied by "timeout", Claude is told and the task goes on', async () => {
    const cwd = tempDir('ws');
    const file = path.join(cwd, 'late.txt');
    model.script('AP-TIMEOUT', reply(toolUse('Write', { file_path: file, content: 'late' })), reply(text('Going on without it.')));
    const r = run('AP-TIMEOUT write', { cwd, timeoutMs: 1500 });
    await r.nextRequest();
    const outcome = await r.done;
    assert.equal(outcome.status, 'completed');
    assert.equal(outcome.result, 'Going on without it.');
    assert.equal(existsSync(file), false);
    assert.deepEqual(r.decisions().map((d) => [d.decision, d.by]), [['deny', 'timeout']]);
    assert.ok(model.requestsFor('AP-TIMEOUT').flatMap((q) => q.toolResults).some((t) => /Nobody answered/.test(t.text)));
  });

  it('AskUserQuestion: the questions travel with the request and the answers come back as the tool’s answer', async () => {
    const questions = [{ question: 'Which colour?', header: 'Colour', options: [{ label: 'Red', description: 'warm' }, { label: 'Blue', description: 'cool' }], multiSelect: false }];
    model.script('AP-ASK', reply(toolUse('AskUserQuestion', { questions })), reply(text('Blue it is.')));
    const r = run('AP-ASK choose', { mode: 'acceptEdits' });
    const req = await r.nextRequest();
    assert.deepEqual(req.questions, [{ question: 'Which colour?', header: 'Colour', options: [{ label: 'Red', description: 'warm' }, { label: 'Blue', description: 'cool' }] }]);
    r.approvals.reply({ subtask_id: r.subtaskId, request_id: req.request_id, decision: 'allow', answers: { 'Which colour?': 'Blue' } });
    assert.equal((await r.done).status, 'completed');
    const seen = model.requestsFor('AP-ASK').flatMap((q) => q.toolResults);
    assert.ok(seen.some((t) => !t.is_error && t.text.includes('"Which colour?"="Blue"')), JSON.stringify(seen));
    assert.deepEqual(r.decisions()[0].answers, { 'Which colour?': 'Blue' });
  });

  it('plan mode: leaving it is a request showing the plan; once allowed, edits are asked for like in "default"', async () => {
    const cwd = tempDir('ws');
    const file = path.join(cwd, 'planned.txt');
    model.script('AP-PLAN', reply(toolUse('ExitPlanMode', { plan: '1. Write planned.txt' })), reply(toolUse('Write', { file_path: file, content: 'p' })), reply(text('Done.')));
    const r = run('AP-PLAN plan it', { mode: 'plan', ceiling: 'acceptEdits', cwd });
    const exit = await r.nextRequest();
    assert.equal(exit.tool_name, 'ExitPlanMode');
    assert.deepEqual(exit.input, { plan: '1. Write planned.txt' }, 'the card shows the plan');
    r.approvals.reply({ subtask_id: r.subtaskId, request_id: exit.request_id, decision: 'allow' });
    const write = await r.nextRequest(1);
    assert.equal(write.tool_name, 'Write');
    r.approvals.reply({ subtask_id: r.subtaskId, request_id: write.request_id, decision: 'allow' });
    assert.equal((await r.done).status, 'completed');
    assert.equal(readFileSync(file, 'utf8'), 'p');
  });

  it('a device whose ceiling is "plan" never leaves plan mode: ExitPlanMode is refused without asking', async () => {
    model.script('AP-CEILING', reply(toolUse('ExitPlanMode', { plan: 'change things' })), reply(text('Here is the plan only.')));
    const r = run('AP-CEILING plan', { mode: 'plan', ceiling: 'plan' });
    assert.equal((await r.done).status, 'completed');
    assert.equal(r.requests().length, 0);
    const seen = model.requestsFor('AP-CEILING').flatMap((q) => q.toolResults);
    assert.ok(seen.some((t) => t.is_error && /only allows planning/.test(t.text)), JSON.stringify(seen));
  });

  it('cancelling a task that waits: the request ends denied (by the device) and the run is cancelled', async () => {
    model.script('AP-CANCEL', reply(toolUse('Write', { file_path: path.join(tempDir('ws'), 'x.txt'), content: 'x' })), reply(text('never')));
    const r = run('AP-CANCEL write');
    const req = await r.nextRequest();
    r.controller.abort();
    assert.equal((await r.done).status, 'cancelled');
    assert.deepEqual(r.decisions().map((d) => [d.request_id, d.decision, d.by]), [[req.request_id, 'deny', 'device']]);
    assert.deepEqual(r.approvals.list(), []);
  });

  it('a reply for a request this device never made is REQUEST_NOT_FOUND', () => {
    const approvals = new Approvals({ emit: () => {} });
    const ack = approvals.reply({ subtask_id: 'nope', request_id: 'r1', decision: 'allow' });
    assert.equal(!ack.ok && ack.error.code, 'REQUEST_NOT_FOUND');
  });
});
