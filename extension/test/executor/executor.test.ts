// The executor core end to end: real backend (child process) on a private Redis, real Socket.IO, the
// real Claude Agent SDK and Claude Code binary against the scripted model server, a chat client on
// the user's side. What the chat shows is what these tests assert.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { api } from '../../../test/support/clients';
import { waitFor } from '../../../test/support/wait';
import { httpError, reply, text, thinking, toolUse } from '../../../test/support/modelServer';
import type { ExecutorSnapshot } from '../../src/executor/api';
import { assertSeqsInOrder, events, startStack, type Stack } from './stack';
import { startHttpProxy } from './httpProxy';
import { startTcpProxy } from './tcpProxy';
import { tempDir } from './tmp';

describe('executor: against the real backend', function () {
  this.timeout(120_000);
  let stack: Stack;

  before(async function () {
    this.timeout(120_000);
    stack = await startStack();
  });
  after(async () => stack?.stop());

  it('runs a task that writes a file in the workspace; the chat gets tool_use, tool_result and the final text', async () => {
    const workspace = tempDir('ws');
    const executor = await stack.executor({ workspace, deviceName: 'Writer box' });
    const { deviceId } = executor.snapshot();
    assert.equal(executor.snapshot().state, 'online');
    const file = path.join(workspace, 'notes.md');
    stack.model.script('E2E-WRITE', reply(thinking('I should write notes.'), text('Creating notes.md. '), toolUse('Write', { file_path: file, content: '# Notes\n' }, 'toolu_e2e')), reply(text('All done.')));

    const sent = await stack.chat.sendOk({ device_id: deviceId, message: 'E2E-WRITE: make notes' });
    const done = await stack.chat.waitForDone(sent.subtask_id, 60_000);

    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    assert.equal(done.result, 'All done.');
    assert.equal(readFileSync(file, 'utf8'), '# Notes\n');
    const chunks = stack.chat.chunks(sent.subtask_id);
    assertSeqsInOrder(chunks);
    const streamed = events(chunks);
    assert.ok(streamed.some((e) => e.type === 'thinking'));
    assert.deepEqual(streamed.find((e) => e.type === 'tool_use'), { type: 'tool_use', id: 'toolu_e2e', name: 'Write', input: { file_path: file, content: '# Notes\n' } });
    const result = streamed.find((e) => e.type === 'tool_result');
    assert.ok(result?.type === 'tool_result' && result.tool_use_id === 'toolu_e2e' && !result.is_error);
    assert.equal(stack.chat.text(sent.subtask_id), 'Creating notes.md. All done.');
    await waitFor(() => executor.snapshot().slotsUsed === 0, { message: 'slot released' });
    // the backend lists it under the owner with the default name given
    const list = await api(stack.backend.url, 'GET', '/api/devices', { token: stack.user.token });
    assert.equal(list.body.devices.find((d: { device_id: string }) => d.device_id === deviceId)?.name, 'Writer box');
    await executor.stop();
  });

  it('resumes the same Claude session for a follow-up message of the same task', async () => {
    const workspace = tempDir('ws');
    const executor = await stack.executor({ workspace });
    const deviceId = executor.snapshot().deviceId;
    stack.model.script('FOLLOW-A', reply(text('Noted: the colour is teal.')));
    const first = await stack.chat.sendOk({ device_id: deviceId, message: 'FOLLOW-A remember teal' });
    assert.equal((await stack.chat.waitForDone(first.subtask_id, 60_000)).status, 'completed');

    stack.model.script('FOLLOW-B', reply(text('It was teal.')));
    const second = await stack.chat.sendOk({ device_id: deviceId, message: 'FOLLOW-B which colour?', task_id: first.task_id });
    const done = await stack.chat.waitForDone(second.subtask_id, 60_000);
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    const seen = JSON.stringify(stack.model.requestsFor('FOLLOW-B')[0].body.messages);
    assert.ok(seen.includes('FOLLOW-A remember teal') && seen.includes('Noted: the colour is teal.'), 'the model saw the earlier turn');
    const firstDone = stack.chat.doneFor(first.subtask_id)!;
    assert.ok(firstDone.session_id && firstDone.session_id === done.session_id, 'same session id');
    await executor.stop();
  });

  it('cancels a task mid-stream from the chat: status "cancelled", the model request is aborted', async () => {
    const executor = await stack.executor();
    stack.model.script('CANCEL-ME', reply(text('Thinking out loud for a long time'), { hang: true }));
    const sent = await stack.chat.sendOk({ device_id: executor.snapshot().deviceId, message: 'CANCEL-ME please' });
    await waitFor(() => stack.chat.text(sent.subtask_id).length > 0, { timeout: 60_000, message: 'text streamed' });
    assert.equal((await stack.chat.cancel(sent.subtask_id)).ok, true);
    const done = await stack.chat.waitForDone(sent.subtask_id, 60_000);
    assert.equal(done.status, 'cancelled');
    await stack.model.waitFor(() => stack.model.requestsFor('CANCEL-ME').some((r) => r.clientAborted));
    await waitFor(() => executor.snapshot().slotsUsed === 0, { timeout: 30_000, message: 'slot released after cancel' });
    await executor.stop();
  });

  it('reports a model error (HTTP 529) as failed with a clear message', async () => {
    const executor = await stack.executor();
    stack.model.script('OVERLOADED', httpError(529));
    const sent = await stack.chat.sendOk({ device_id: executor.snapshot().deviceId, message: 'OVERLOADED hi' });
    const done = await stack.chat.waitForDone(sent.subtask_id, 60_000);
    assert.equal(done.status, 'failed');
    assert.equal(done.error?.code, 'MODEL_OVERLOADED');
    assert.match(done.error!.message, /overloaded/i);
    await executor.stop();
  });

  it('runs 5 tasks at once; the device shows busy and a 6th waits in the queue until a slot frees', async () => {
    const executor = await stack.executor({ maxSlots: 5 });
    const deviceId = executor.snapshot().deviceId;
    const states: ExecutorSnapshot[] = [];
    executor.on('state', (s) => states.push(s));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    for (let i = 1; i <= 5; i++) stack.model.script(`SLOT-${i}-`, reply(text(`busy ${i}`), { gate }));
    stack.model.script('SLOT-6-', reply(text('sixth ran')));

    const sent = [];
    for (let i = 1; i <= 6; i++) sent.push(await stack.chat.sendOk({ device_id: deviceId, message: `SLOT-${i}- work` }));
    assert.deepEqual(sent.slice(0, 5).map((s) => s.status), ['running', 'running', 'running', 'running', 'running']);
    assert.equal(sent[5].status, 'queued');
    await waitFor(() => executor.snapshot().state === 'busy', { timeout: 60_000, message: 'executor busy with 5 tasks' });
    assert.equal(executor.snapshot().slotsUsed, 5);
    await stack.chat.waitForEvent('device:status', (p) => p.device_id === deviceId && p.status === 'busy' && p.slots_used === 5, 30_000);
    assert.equal(stack.model.requestsFor('SLOT-6-').length, 0, 'the 6th has not started');

    release();
    const sixth = await stack.chat.waitForDone(sent[5].subtask_id, 90_000);
    assert.equal(sixth.status, 'completed', JSON.stringify(sixth.error));
    for (const s of sent.slice(0, 5)) assert.equal((await stack.chat.waitForDone(s.subtask_id, 60_000)).status, 'completed');
    assert.ok(states.every((s) => s.slotsUsed <= 5));
    await executor.stop();
  });

  it('survives a network cut mid-stream: the task completes and the chat gets every event once, in order', async () => {
    const proxy = await startTcpProxy(stack.backend.port);
    try {
      const executor = await stack.executor({ backendUrl: proxy.url });
      const words = Array.from({ length: 60 }, (_, i) => `w${i} `);
      stack.model.script('CUT-NET', reply(text(words.join('')), { chunks: 60, chunkDelayMs: 40 }), reply(text('unused')));
      const sent = await stack.chat.sendOk({ device_id: executor.snapshot().deviceId, message: 'CUT-NET stream please' });
      await waitFor(() => stack.chat.text(sent.subtask_id).length > 0, { timeout: 60_000, message: 'first text before the cut' });
      const acceptedBefore = proxy.accepted;
      proxy.cut(800); // down for 0.8 s: tokens keep coming from the model and pile up in the outbox
      await waitFor(() => executor.snapshot().state === 'connecting' || executor.snapshot().state === 'offline', { timeout: 10_000, message: 'executor noticed the cut' });
      const done = await stack.chat.waitForDone(sent.subtask_id, 60_000);
      assert.equal(done.status, 'completed', JSON.stringify(done.error));
      assert.ok(proxy.accepted > acceptedBefore, 'the executor reconnected');
      const chunks = stack.chat.chunks(sent.subtask_id);
      assertSeqsInOrder(chunks);
      assert.equal(stack.chat.text(sent.subtask_id), words.join(''));
      await executor.stop();
    } finally {
      await proxy.close();
    }
  });

  it('connects over WebSocket at once, with no long-polling handshake (any balancer works, sticky or not)', async () => {
    const proxy = await startHttpProxy(stack.backend.port);
    try {
      const executor = await stack.executor({ backendUrl: proxy.url });
      assert.equal(executor.snapshot().state, 'online');
      assert.deepEqual(proxy.transports, ['websocket']);
      await executor.stop();
    } finally {
      await proxy.close();
    }
  });

  it('falls back to long-polling behind a proxy that refuses WebSocket, and runs a task through it', async () => {
    const proxy = await startHttpProxy(stack.backend.port, { refuseUpgrades: true });
    try {
      const executor = await stack.executor({ backendUrl: proxy.url });
      assert.equal(executor.snapshot().state, 'online');
      assert.equal(proxy.transports[0], 'websocket');
      assert.ok(proxy.transports.includes('polling'), `transports tried: ${proxy.transports.join(', ')}`);
      stack.model.script('POLLING-ONLY', reply(text('Through the polls.')));
      const sent = await stack.chat.sendOk({ device_id: executor.snapshot().deviceId, message: 'POLLING-ONLY hello' });
      const done = await stack.chat.waitForDone(sent.subtask_id, 60_000);
      assert.equal(done.status, 'completed', JSON.stringify(done.error));
      assert.equal(stack.chat.text(sent.subtask_id), 'Through the polls.');
      await executor.stop();
    } finally {
      await proxy.close();
    }
  });

  it('keeps the same device id across restarts of the executor on the same folder', async () => {
    const [dataDir, workspace] = [tempDir('data'), tempDir('ws')];
    const a = await stack.executor({ dataDir, workspace, deviceName: 'Restart box' });
    const id = a.snapshot().deviceId;
    await a.stop();
    const b = await stack.executor({ dataDir, workspace, deviceName: 'Restart box' });
    assert.equal(b.snapshot().deviceId, id);
    const list = await api(stack.backend.url, 'GET', '/api/devices', { token: stack.user.token });
    assert.equal(list.body.devices.filter((d: { name: string }) => d.name === 'Restart box').length, 1, 'one device, not two');
    await b.stop();
  });
});
