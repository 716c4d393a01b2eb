// Property/fuzz run over every client→server Socket.IO event of both namespaces: wrong types,
// missing and extra fields, huge strings and arrays, deep nesting, prototype-pollution keys, lone
// surrogates, out-of-order seqs, unknown and foreign ids. For every case: the answer is a protocol
// ack (never INTERNAL, never silence), the socket stays up, and when the answer is a refusal the
// backend's state in Redis is exactly what it was before. The backend is a real child process on a
// real Redis; at the end it must still be healthy and must never have logged a handler failure.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { keys } from '../../backend/src/store/keys';
import { TestChat, TestDevice } from '../support/clients';
import { delay, waitFor } from '../support/wait';
import { assertProtocolAck, brief } from './support/acks';
import { FULL, recordFigure, scaled } from './support/figures';
import { payloadFor, POLLUTION_KEYS } from './support/hostile';
import { startStack, type Stack } from './support/stack';

// Presence must not move on its own during the run (snapshots compare state), so timings are long.
const QUIET = {
  WEGENT_HEARTBEAT_INTERVAL_MS: '300000',
  WEGENT_ONLINE_TTL_MS: '600000',
  WEGENT_MONITOR_INTERVAL_MS: '600000',
  // A small queue so the fuzz reaches QUEUE_FULL (a refusal that must leave no trace) quickly.
  WEGENT_MAX_QUEUE_PER_DEVICE: '3',
};

describe('faults: socket event fuzz', function () {
  this.timeout(FULL ? 1_800_000 : 180_000);
  let stack: Stack;
  let device: TestDevice;
  let bobDevice: TestDevice;
  let chat: TestChat;
  let bobChat: TestChat;
  const ids = { running: '', done: '', task: '', bobSub: '', bobTask: '' };
  let totalCases = 0;
  let refusals = 0;

  before(async () => {
    stack = await startStack({ env: QUIET, users: 2 });
    const [alice, bob] = stack.users;
    device = await TestDevice.connect({ url: stack.backend.url, token: alice.token, deviceId: 'fz-alice', heartbeat: false });
    bobDevice = await TestDevice.connect({ url: stack.backend.url, token: bob.token, deviceId: 'fz-bob', heartbeat: false });
    chat = await TestChat.connect({ url: stack.backend.url, token: alice.token });
    bobChat = await TestChat.connect({ url: stack.backend.url, token: bob.token });
    // A finished subtask and a running one with two seqs on alice's device; a running one on bob's.
    const first = await chat.sendOk({ device_id: 'fz-alice', message: 'first' });
    await device.waitForExecute(first.subtask_id);
    await device.text(first.subtask_id, 'done text');
    assert.equal((await device.complete(first.subtask_id, { result: 'done text' })).ok, true);
    const running = await chat.sendOk({ device_id: 'fz-alice', message: 'second', task_id: first.task_id });
    await device.waitForExecute(running.subtask_id);
    await device.text(running.subtask_id, 'a');
    await device.text(running.subtask_id, 'b');
    const bobs = await bobChat.sendOk({ device_id: 'fz-bob', message: 'bob' });
    await bobDevice.waitForExecute(bobs.subtask_id);
    Object.assign(ids, { running: running.subtask_id, done: first.subtask_id, task: first.task_id, bobSub: bobs.subtask_id, bobTask: bobs.task_id });
    await waitFor(async () => (await stack.peek.hget(keys.subtask(running.subtask_id), 'status')) === 'running', { message: 'subtask running' });
  });

  after(async () => {
    recordFigure('socket fuzz', { cases: totalCases, refusals, crashes: 0 });
    for (const c of [device, bobDevice, chat, bobChat]) c?.close();
    await stack?.stop();
  });

  afterEach(async () => {
    await stack.assertAlive();
  });

  // True until the state has been seen settled: setup (and each accepted case) leaves async work behind.
  let settle = true;

  /** The state once work started by an accepted case (a dispatch, an execute ack) has settled. */
  async function settledSnapshot(): Promise<string> {
    let last = await stack.snapshot();
    if (!settle) return last;
    settle = false;
    return waitFor(async () => {
      await delay(30);
      const now = await stack.snapshot();
      const same = now === last;
      last = now;
      return same ? now : null;
    }, { message: 'state never settled after an accepted case' });
  }

  /** One fuzz case: send, check the ack, check the socket, check state when refused. */
  async function fuzzCase(client: TestDevice | TestChat, event: string, payload: unknown): Promise<void> {
    totalCases++;
    const before = await settledSnapshot();
    const ack = await client.emit(event, payload, 20_000);
    settle ||= ack?.ok === true;
    assertProtocolAck(ack, `${event} ${brief(payload)}`);
    assert.ok(client.socket.connected, `${event} ${brief(payload)} cut the connection`);
    if (!ack.ok) {
      refusals++;
      assert.equal(await stack.snapshot(), before, `${event} refused with ${ack.error?.code} but changed state: ${brief(payload)}`);
    }
  }

  const runs = scaled(70, 1500);

  function fuzz(event: string, client: () => TestDevice | TestChat, bases: () => Record<string, unknown>[], after?: () => Promise<void>) {
    it(`${event}: ${runs} hostile payloads, each answered with a protocol ack`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.constant(null).chain(() => payloadFor(bases())), async (payload) => {
          await fuzzCase(client(), event, payload);
          await after?.();
        }),
        { numRuns: runs, seed: Number(process.env.WEGENT_FUZZ_SEED) || undefined, endOnFailure: !FULL },
      );
    });
  }

  const reRegister = async () => {
    // A fuzzed register may have moved this socket to another device id: move it back.
    if (device.registerAck?.ok && (await device.register()).ok) return;
    assert.equal((await device.register()).ok, true);
  };

  fuzz('device:register', () => device, () => [
    { device_id: 'fz-alice', name: 'Fuzz box', max_slots: 5, executor_version: '1.0.0', running_task_ids: [ids.running], mode: 'local' },
    { device_id: 'fz-bob', name: 'Not mine', max_slots: 2 },
    { device_id: 'fz-alice', name: 'Cloud?', mode: 'cloud' },
    { device_id: 'cloud', name: 'Reserved' },
  ], reRegister);

  fuzz('device:heartbeat', () => device, () => [
    { device_id: 'fz-alice', running_task_ids: [ids.running] },
    { device_id: 'fz-bob', running_task_ids: [ids.bobSub] },
    { device_id: 'fz-alice', running_task_ids: [ids.running, ids.bobSub, ids.done, 'sub_unknown'] },
  ]);

  fuzz('task:progress', () => device, () => [
    { subtask_id: ids.running, seq: 1, events: [{ type: 'text', text: 'resend' }] },
    { subtask_id: ids.running, seq: 1_000_000, events: [{ type: 'tool_use', id: 'toolu_1', name: 'Write', input: { file_path: '/tmp/x' } }] },
    { subtask_id: ids.bobSub, seq: 1, events: [{ type: 'tool_result', tool_use_id: 'toolu_1', is_error: false, text: 'x' }] },
    { subtask_id: 'sub_unknown', seq: 1, events: [{ type: 'status', text: 's' }] },
    { subtask_id: ids.done, seq: 2, events: [{ type: 'thinking', text: 't' }] },
  ]);

  fuzz('task:complete', () => device, () => [
    { subtask_id: ids.done, status: 'completed', result: 'again', last_seq: 1 },
    { subtask_id: ids.running, status: 'failed', error: { code: 'EXECUTOR_ERROR', message: 'x' }, last_seq: 999 },
    { subtask_id: ids.bobSub, status: 'cancelled', last_seq: 0 },
    { subtask_id: 'sub_unknown', status: 'completed', last_seq: 0, usage: { input_tokens: 1 }, session_id: 's' },
  ]);

  fuzz('chat:send', () => chat, () => [
    { device_id: 'fz-alice', message: 'hello', task_id: ids.task },
    { device_id: 'fz-bob', message: 'not my device' },
    { device_id: 'fz-alice', message: 'not my task', task_id: ids.bobTask },
    { device_id: 'cloud', message: 'no cloud here' },
    { device_id: 'nope', message: 'unknown device' },
  ]);

  fuzz('chat:cancel', () => chat, () => [
    { subtask_id: ids.bobSub },
    { subtask_id: ids.done },
    { subtask_id: 'sub_unknown' },
  ]);

  fuzz('chat:resume', () => chat, () => [
    { subtask_id: ids.running, after_seq: 0 },
    { subtask_id: ids.bobSub, after_seq: 0 },
    { subtask_id: 'sub_unknown', after_seq: 5 },
  ]);

  it('answers unknown events, extra arguments and a missing payload instead of staying silent', async () => {
    const names = ['task:execute', 'device:delete', 'chat:history', 'x', 'a'.repeat(1000), ...POLLUTION_KEYS];
    for (const client of [device, chat]) {
      for (const name of names) await fuzzCase(client, name, { subtask_id: ids.running });
      for (const event of client === device ? ['device:heartbeat', 'task:progress'] : ['chat:send', 'chat:resume']) {
        totalCases++;
        const noPayload = (await client.socket.timeout(20_000).emitWithAck(event)) as unknown;
        assertProtocolAck(noPayload, `${event} without payload`);
        assert.equal((noPayload as { ok: boolean }).ok, false);
        totalCases++;
        const extraArgs = (await client.socket.timeout(20_000).emitWithAck(event, { subtask_id: 'x' }, 'extra', 42)) as unknown;
        assertProtocolAck(extraArgs, `${event} with extra arguments`);
      }
    }
  });

  it('leaves an existing conversation untouched when a send to it is refused with QUEUE_FULL', async () => {
    // Fill the device's 5 slots and its queue of 3 (whatever the fuzz left running counts too).
    for (let i = 0; i < 9; i++) {
      const ack = await chat.send({ device_id: 'fz-alice', message: `filler ${i}` });
      if (!ack.ok) break;
    }
    settle = true;
    const before = await settledSnapshot();
    const ack = await chat.send({ device_id: 'fz-alice', message: 'one too many', task_id: ids.task });
    totalCases++;
    assert.equal(ack.ok, false);
    assert.equal(ack.ok === false && ack.error.code, 'QUEUE_FULL');
    assert.equal(await stack.snapshot(), before, 'the refused send left a trace in the conversation');
  });

  it('applies out-of-order, repeated and skipped seqs only in order, each once, and streams them so', async () => {
    const send = await chat.sendOk({ device_id: 'fz-alice', message: 'seq fuzz', task_id: ids.task }).catch(() => null);
    // The device may be full of fuzzed sends: use bob's running subtask on bob's own device instead.
    const subtask = send?.status === 'running' ? send.subtask_id : ids.bobSub;
    const owner = subtask === ids.bobSub ? bobDevice : device;
    const watcher = subtask === ids.bobSub ? bobChat : chat;
    if (subtask !== ids.bobSub) await owner.waitForExecute(subtask);
    const before = watcher.chunks(subtask).length;
    const rounds = scaled(200, 2000);
    let applied = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: -2, max: 4 }), async (offset) => {
        totalCases++;
        const seq = applied + offset; // below: resend or invalid; +1: next; above: a gap
        const ack = await owner.progress(subtask, [{ type: 'text', text: `<${seq}>` }], seq);
        assertProtocolAck(ack, `progress seq ${seq} after ${applied}`);
        if (seq >= 1 && seq <= applied) assert.equal(ack.ok, true, 'a resend is acked');
        else if (seq === applied + 1) {
          assert.equal(ack.ok, true, 'the next seq is applied');
          applied++;
        } else assert.equal(ack.ok, false, `seq ${seq} after ${applied} must be refused`);
      }),
      { numRuns: rounds },
    );
    await waitFor(() => watcher.chunks(subtask).length - before >= applied, { message: 'every applied seq reached the chat' });
    const seen = watcher.chunks(subtask).slice(before).map((c) => c.seq);
    const firstNew = seen[0] ?? 1;
    assert.deepEqual(seen, Array.from({ length: applied }, (_, i) => firstNew + i), 'each seq exactly once, in order');
    const stored = (await stack.peek.lrange(keys.subtaskEvents(subtask), 0, -1)).map((r) => JSON.parse(r).seq);
    assert.deepEqual(stored, Array.from({ length: stored.length }, (_, i) => i + 1), 'Redis holds seqs 1..n with no gap or repeat');
  });
});
