// Approvals end to end (docs/protocol.md "Approvals"): Redis, the backend (child process), the
// executor core with the real Agent SDK and Claude Code against the scripted model server, and chat
// clients. A model turn asks for Write/Bash in mode "default"; the chats answer.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ChatChunk, PermissionDecisionEvent, PermissionRequestEvent, SubtaskView, TaskSummary } from '@wegent/shared';
import { createUser } from '../../../test/support/backend';
import { TestChat, api, connectSocket, request } from '../../../test/support/clients';
import { reply, text, toolUse } from '../../../test/support/modelServer';
import { waitFor } from '../../../test/support/wait';
import { events, startStack, type Stack } from './stack';
import { startTcpProxy } from './tcpProxy';
import { tempDir } from './tmp';

const requestsIn = (chunks: ChatChunk[]) => events(chunks).filter((e): e is PermissionRequestEvent => e.type === 'permission_request');
const decisionsIn = (chunks: ChatChunk[]) => events(chunks).filter((e): e is PermissionDecisionEvent => e.type === 'permission_decision');

describe('approvals: from any chat, end to end (real backend, executor, Agent SDK)', function () {
  this.timeout(150_000);
  let stack: Stack;
  /** A second chat of the same user (another window or the browser). */
  let other: TestChat;

  before(async function () {
    this.timeout(120_000);
    // Online TTL longer than a cut network or a backend restart takes here, as in production.
    stack = await startStack({ WEGENT_HEARTBEAT_INTERVAL_MS: '300', WEGENT_ONLINE_TTL_MS: '20000', WEGENT_MONITOR_INTERVAL_MS: '500' });
    other = await TestChat.connect({ url: stack.backend.url, token: stack.user.token, client: 'vscode' });
  });
  after(async () => {
    other?.close();
    await stack?.stop();
  });

  const firstRequest = (chat: TestChat, subtaskId: string, n = 0) =>
    waitFor(() => requestsIn(chat.chunks(subtaskId))[n], { timeout: 60_000, message: `permission request #${n + 1} in the chat` });
  const detail = async (taskId: string) => (await api(stack.backend.url, 'GET', `/api/tasks/${taskId}`, { token: stack.user.token })).body;
  const subtaskOf = async (taskId: string, subtaskId: string): Promise<SubtaskView> => (await detail(taskId)).subtasks.find((s: SubtaskView) => s.subtask_id === subtaskId);
  const summaryOf = async (taskId: string): Promise<TaskSummary> =>
    (await api(stack.backend.url, 'GET', '/api/tasks', { token: stack.user.token })).body.tasks.find((t: TaskSummary) => t.task_id === taskId);

  async function writeTask(marker: string, opts: { second?: boolean; mode?: string } = {}) {
    const workspace = tempDir('ws');
    const executor = await stack.executor({ workspace });
    const file = path.join(workspace, `${marker}.txt`);
    const turns = [reply(text('Writing. '), toolUse('Write', { file_path: file, content: `${marker} content` }))];
    if (opts.second) turns.push(reply(toolUse('Write', { file_path: `${file}.2`, content: 'second' })));
    stack.model.script(marker, ...turns, reply(text('Finished.')));
    const sent = await stack.chat.sendOk({ device_id: executor.snapshot().deviceId, message: `${marker} write it`, permission_mode: opts.mode ?? 'default' });
    return { executor, file, sent };
  }

  it('allow from a chat: every chat of the owner sees the card, the file is written, history keeps who allowed it', async () => {
    const { executor, file, sent } = await writeTask('AE-ALLOW');
    const req = await firstRequest(stack.chat, sent.subtask_id);
    await firstRequest(other, sent.subtask_id);
    assert.equal(req.tool_name, 'Write');
    assert.equal((req.input as { file_path: string }).file_path, file);
    assert.equal(existsSync(file), false, 'nothing written before the answer');
    // The task is visibly waiting: status push, the stored subtask and the conversation list.
    await waitFor(() => other.statuses(sent.subtask_id).some((s) => s.awaiting_input === true), { message: 'chat:status awaiting_input' });
    assert.deepEqual((await subtaskOf(sent.task_id, sent.subtask_id)).pending_requests?.map((p) => [p.request_id, p.tool_name]), [[req.request_id, 'Write']]);
    assert.equal((await summaryOf(sent.task_id)).awaiting_input, true);
    assert.deepEqual(executor.snapshot().waitingApprovals.map((a) => a.requestId), [req.request_id]);

    const ack = await stack.chat.emit('chat:permission_reply', { subtask_id: sent.subtask_id, request_id: req.request_id, decision: 'allow' });
    assert.deepEqual(ack, { ok: true });
    // The other chat's card closes at once, saying who answered where.
    const decided = await waitFor(() => other.of('chat:permission_decided', (p) => p.request_id === req.request_id)[0]);
    assert.equal(decided.by, 'chat');
    assert.equal(decided.decision, 'allow');
    assert.equal(decided.subtask_id, sent.subtask_id);
    assert.ok(Date.parse(decided.decided_at) > 0);

    const done = await stack.chat.waitForDone(sent.subtask_id, 60_000);
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    assert.equal(readFileSync(file, 'utf8'), 'AE-ALLOW content');
    const stored = await subtaskOf(sent.task_id, sent.subtask_id);
    assert.deepEqual(stored.pending_requests, []);
    assert.deepEqual(decisionsIn(stored.events).map((d) => [d.request_id, d.decision, d.by]), [[req.request_id, 'allow', 'chat']]);
    assert.deepEqual(stored.permission_decisions?.map((d) => [d.request_id, d.decision, d.by, d.delivered]), [[req.request_id, 'allow', 'chat', true]]);
    assert.equal((await summaryOf(sent.task_id)).awaiting_input, undefined);
    await executor.stop();
  });

  it('deny with a note: nothing is written and Claude’s next turn sees the note', async () => {
    const { executor, file, sent } = await writeTask('AE-DENY');
    const req = await firstRequest(stack.chat, sent.subtask_id);
    const ack = await other.emit('chat:permission_reply', { subtask_id: sent.subtask_id, request_id: req.request_id, decision: 'deny', message: 'Not in this folder, please' });
    assert.ok(ack.ok);
    assert.equal((await stack.chat.waitForDone(sent.subtask_id, 60_000)).status, 'completed');
    assert.equal(existsSync(file), false);
    const results = stack.model.requestsFor('AE-DENY').flatMap((r) => r.toolResults);
    assert.ok(results.some((r) => r.is_error && r.text.includes('Not in this folder, please')), JSON.stringify(results));
    const decision = decisionsIn(stack.chat.chunks(sent.subtask_id))[0];
    assert.deepEqual([decision.decision, decision.by, decision.client, decision.message], ['deny', 'chat', 'vscode', 'Not in this folder, please']);
    await executor.stop();
  });

  it('allow for this task: the second Write of the same subtask runs without a card', async () => {
    const { executor, file, sent } = await writeTask('AE-TASK', { second: true });
    const req = await firstRequest(stack.chat, sent.subtask_id);
    assert.ok((await stack.chat.emit('chat:permission_reply', { subtask_id: sent.subtask_id, request_id: req.request_id, decision: 'allow', scope: 'task' })).ok);
    assert.equal((await stack.chat.waitForDone(sent.subtask_id, 60_000)).status, 'completed');
    assert.equal(readFileSync(`${file}.2`, 'utf8'), 'second');
    assert.equal(requestsIn(stack.chat.chunks(sent.subtask_id)).length, 1);
    await executor.stop();
  });

  it('two chats answer at once: one wins, the other gets ALREADY_DECIDED, and the device applies one decision', async () => {
    const { executor, file, sent } = await writeTask('AE-RACE');
    const req = await firstRequest(stack.chat, sent.subtask_id);
    const answer = (chat: TestChat, decision: string) => chat.emit('chat:permission_reply', { subtask_id: sent.subtask_id, request_id: req.request_id, decision });
    const acks = await Promise.all([answer(stack.chat, 'allow'), answer(other, 'deny')]);
    const won = acks.filter((a) => a.ok);
    const lost = acks.filter((a) => !a.ok);
    assert.equal(won.length, 1, JSON.stringify(acks));
    assert.equal(lost[0].ok === false && lost[0].error.code, 'ALREADY_DECIDED');
    assert.match(!lost[0].ok ? lost[0].error.message : '', /already (allowed|denied)/);
    await stack.chat.waitForDone(sent.subtask_id, 60_000);
    const decisions = decisionsIn(stack.chat.chunks(sent.subtask_id));
    assert.equal(decisions.length, 1);
    assert.equal(existsSync(file), decisions[0].decision === 'allow');
    // A late answer after the task ended is refused the same way.
    const late = await answer(other, 'allow');
    assert.equal(!late.ok && late.error.code, 'ALREADY_DECIDED');
    await executor.stop();
  });

  it('device offline while a reply is in flight: the answer is delivered after it re-registers', async () => {
    const proxy = await startTcpProxy(stack.backend.port);
    try {
      const workspace = tempDir('ws');
      const executor = await stack.executor({ workspace, backendUrl: proxy.url });
      const file = path.join(workspace, 'offline.txt');
      stack.model.script('AE-OFFLINE', reply(toolUse('Write', { file_path: file, content: 'after the blip' })), reply(text('Done.')));
      const sent = await stack.chat.sendOk({ device_id: executor.snapshot().deviceId, message: 'AE-OFFLINE write', permission_mode: 'default' });
      const req = await firstRequest(stack.chat, sent.subtask_id);
      const accepted = proxy.accepted;
      proxy.cut(60_000); // down until reopened below
      await waitFor(() => executor.snapshot().state === 'offline', { timeout: 30_000, message: 'the executor noticed the cut' });
      assert.ok((await stack.chat.emit('chat:permission_reply', { subtask_id: sent.subtask_id, request_id: req.request_id, decision: 'allow' })).ok);
      const recorded = (await subtaskOf(sent.task_id, sent.subtask_id)).permission_decisions?.[0];
      assert.equal(recorded?.delivered, false, 'recorded, on its way');
      assert.equal(existsSync(file), false);
      proxy.cut(0); // the network is back
      await waitFor(() => proxy.accepted > accepted, { timeout: 30_000, message: 'the executor reconnected' });
      assert.equal((await stack.chat.waitForDone(sent.subtask_id, 60_000)).status, 'completed');
      assert.equal(readFileSync(file, 'utf8'), 'after the blip');
      assert.deepEqual(decisionsIn(stack.chat.chunks(sent.subtask_id)).map((d) => d.by), ['chat']);
      await executor.stop();
    } finally {
      await proxy.close();
    }
  });

  it('nobody answers: the request ends as a denial by "timeout" and the task goes on', async () => {
    const workspace = tempDir('ws');
    const executor = await stack.executor({ workspace, approvalTimeoutMs: 2000 });
    const file = path.join(workspace, 'late.txt');
    stack.model.script('AE-TIMEOUT', reply(toolUse('Write', { file_path: file, content: 'x' })), reply(text('Going on without it.')));
    const sent = await stack.chat.sendOk({ device_id: executor.snapshot().deviceId, message: 'AE-TIMEOUT write', permission_mode: 'default' });
    const req = await firstRequest(stack.chat, sent.subtask_id);
    assert.ok(req.expires_at);
    const done = await stack.chat.waitForDone(sent.subtask_id, 60_000);
    assert.equal(done.status, 'completed');
    assert.equal(done.result, 'Going on without it.');
    assert.equal(existsSync(file), false);
    assert.deepEqual(decisionsIn(stack.chat.chunks(sent.subtask_id)).map((d) => [d.decision, d.by]), [['deny', 'timeout']]);
    const late = await stack.chat.emit('chat:permission_reply', { subtask_id: sent.subtask_id, request_id: req.request_id, decision: 'allow' });
    assert.equal(!late.ok && late.error.code, 'ALREADY_DECIDED');
    assert.match(!late.ok ? late.error.message : '', /nobody answered/);
    await executor.stop();
  });

  it('the mode ceiling: a chat asking "bypassPermissions" of a device set to "default" runs as "default" and is told so', async () => {
    const workspace = tempDir('ws');
    const executor = await stack.executor({ workspace, permissionMode: 'default' });
    const file = path.join(workspace, 'ceiling.txt');
    stack.model.script('AE-CEILING', reply(toolUse('Bash', { command: `echo hi > ${file}` })), reply(text('ok')));
    const sent = await stack.chat.sendOk({ device_id: executor.snapshot().deviceId, message: 'AE-CEILING run', permission_mode: 'bypassPermissions' });
    assert.equal(stack.chat.starts(sent.subtask_id)[0]?.permission_mode, 'bypassPermissions', 'chat:start says what was asked');
    const req = await firstRequest(stack.chat, sent.subtask_id);
    assert.equal(req.tool_name, 'Bash', 'the tool is asked for, not run unasked');
    assert.equal(existsSync(file), false);
    const note = events(stack.chat.chunks(sent.subtask_id)).find((e) => e.type === 'status' && /asked for "Full access"/.test(e.text));
    assert.ok(note?.type === 'status' && /ran as "Ask before changes" \(default\)/.test(note.text), JSON.stringify(note));
    await stack.chat.emit('chat:permission_reply', { subtask_id: sent.subtask_id, request_id: req.request_id, decision: 'deny' });
    await stack.chat.waitForDone(sent.subtask_id, 60_000);
    assert.equal((await subtaskOf(sent.task_id, sent.subtask_id)).permission_mode, 'bypassPermissions');
    await executor.stop();
  });

  it('security: only the owner sees and answers; a device cannot answer through the chat path; bad replies are INVALID_PAYLOAD', async () => {
    const { executor, file, sent } = await writeTask('AE-SECURE');
    const req = await firstRequest(stack.chat, sent.subtask_id);
    const mallory = await createUser(stack.backend);
    const theirs = await TestChat.connect({ url: stack.backend.url, token: mallory.token });
    const device = await connectSocket(stack.backend.url, '/local-executor', stack.user.token);
    try {
      const foreign = await theirs.emit('chat:permission_reply', { subtask_id: sent.subtask_id, request_id: req.request_id, decision: 'allow' });
      assert.equal(!foreign.ok && foreign.error.code, 'SUBTASK_NOT_FOUND');
      const unknownSubtask = await stack.chat.emit('chat:permission_reply', { subtask_id: 'sub_nope', request_id: req.request_id, decision: 'allow' });
      assert.equal(!unknownSubtask.ok && unknownSubtask.error.code, 'SUBTASK_NOT_FOUND', 'unknown and foreign look the same');
      const neverAsked = await stack.chat.emit('chat:permission_reply', { subtask_id: sent.subtask_id, request_id: 'toolu_never', decision: 'allow' });
      assert.equal(!neverAsked.ok && neverAsked.error.code, 'REQUEST_NOT_FOUND');
      for (const bad of [
        { subtask_id: sent.subtask_id, request_id: req.request_id, decision: 'yes' },
        { subtask_id: sent.subtask_id, request_id: req.request_id },
        { subtask_id: sent.subtask_id, request_id: req.request_id, decision: 'deny', message: 'x'.repeat(10_001) },
        { subtask_id: sent.subtask_id, request_id: '../../etc', decision: 'allow' },
      ]) {
        const ack = await stack.chat.emit('chat:permission_reply', bad);
        assert.equal(!ack.ok && ack.error.code, 'INVALID_PAYLOAD', JSON.stringify(bad).slice(0, 120));
      }
      // The device namespace has no chat path: its sockets cannot answer a request.
      for (const event of ['chat:permission_reply', 'task:permission_reply']) {
        const ack = await request(device, event, { subtask_id: sent.subtask_id, request_id: req.request_id, decision: 'allow' });
        assert.equal(!ack.ok && ack.error.code, 'NOT_FOUND', event);
      }
      assert.equal(theirs.chunks(sent.subtask_id).length, 0, 'another user never sees the request');
      assert.deepEqual((await subtaskOf(sent.task_id, sent.subtask_id)).pending_requests?.map((p) => p.request_id), [req.request_id], 'still open');
      assert.equal(existsSync(file), false);
      assert.ok((await stack.chat.emit('chat:permission_reply', { subtask_id: sent.subtask_id, request_id: req.request_id, decision: 'deny' })).ok);
      await stack.chat.waitForDone(sent.subtask_id, 60_000);
    } finally {
      theirs.close();
      device.close();
      await executor.stop();
    }
  });

  it('a chat that reconnects sees the open card; a backend restart loses neither the request nor an answer still on its way', async () => {
    const proxy = await startTcpProxy(stack.backend.port);
    const late = await TestChat.connect({ url: stack.backend.url, token: stack.user.token });
    try {
      const workspace = tempDir('ws');
      const executor = await stack.executor({ workspace, backendUrl: proxy.url });
      const file = path.join(workspace, 'restart.txt');
      stack.model.script('AE-RESTART', reply(toolUse('Write', { file_path: file, content: 'survived' })), reply(text('Done.')));
      const sent = await stack.chat.sendOk({ device_id: executor.snapshot().deviceId, message: 'AE-RESTART write', permission_mode: 'default' });
      const req = await firstRequest(stack.chat, sent.subtask_id);
      const resumed = await late.resume(sent.subtask_id, 0);
      assert.ok(resumed.ok && requestsIn(resumed.chunks ?? []).some((r) => r.request_id === req.request_id), 'chat:resume replays the request');

      // The device is away when the answer comes, and the backend that took it then restarts.
      proxy.cut(60_000);
      await waitFor(() => executor.snapshot().state === 'offline', { timeout: 30_000, message: 'the executor noticed the cut' });
      assert.ok((await late.emit('chat:permission_reply', { subtask_id: sent.subtask_id, request_id: req.request_id, decision: 'allow' })).ok);
      await stack.backend.restart();
      const stored = await waitFor(async () => (await subtaskOf(sent.task_id, sent.subtask_id).catch(() => undefined))?.permission_decisions, { timeout: 30_000, message: 'the backend answers again' });
      assert.deepEqual(stored.map((d) => [d.request_id, d.delivered]), [[req.request_id, false]], 'the answer is still on its way after the restart');
      assert.equal(existsSync(file), false);

      proxy.cut(0); // the device comes back to the new backend process and re-registers
      const done = await waitFor(async () => {
        const s = await subtaskOf(sent.task_id, sent.subtask_id);
        return s.status === 'completed' || s.status === 'failed' ? s : undefined;
      }, { timeout: 60_000, message: 'the task finished after the restart' });
      assert.equal(done.status, 'completed', JSON.stringify(done.error));
      assert.equal(readFileSync(file, 'utf8'), 'survived');
      assert.deepEqual(decisionsIn(done.events).map((d) => [d.decision, d.by]), [['allow', 'chat']]);
      await executor.stop();
    } finally {
      late.close();
      await proxy.close();
    }
  });

  it('AskUserQuestion: the questions are in the request and the chat’s answers reach Claude as the tool’s answer', async () => {
    const executor = await stack.executor();
    const questions = [{ question: 'Which database?', header: 'DB', options: [{ label: 'Postgres', description: 'relational' }, { label: 'Redis', description: 'in memory' }], multiSelect: false }];
    stack.model.script('AE-ASK', reply(toolUse('AskUserQuestion', { questions })), reply(text('Postgres then.')));
    const sent = await stack.chat.sendOk({ device_id: executor.snapshot().deviceId, message: 'AE-ASK pick', permission_mode: 'acceptEdits' });
    const req = await firstRequest(stack.chat, sent.subtask_id);
    assert.equal(req.questions?.[0].question, 'Which database?');
    assert.ok((await stack.chat.emit('chat:permission_reply', { subtask_id: sent.subtask_id, request_id: req.request_id, decision: 'allow', answers: { 'Which database?': 'Postgres' } })).ok);
    assert.equal((await stack.chat.waitForDone(sent.subtask_id, 60_000)).status, 'completed');
    const results = stack.model.requestsFor('AE-ASK').flatMap((r) => r.toolResults);
    assert.ok(results.some((r) => r.text.includes('"Which database?"="Postgres"')), JSON.stringify(results));
    await executor.stop();
  });
});
