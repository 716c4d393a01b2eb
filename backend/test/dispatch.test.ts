// Slots, the FIFO queue, resend-until-ack, seq-once progress, idempotent completion, cancel, resume.
import assert from 'node:assert/strict';
import { startRedis, type TestRedis } from '../../test/support/redis';
import { startBackend, createUser, FAST_TIMING, type TestBackend, type TestUser } from '../../test/support/backend';
import { TestChat, TestDevice, api } from '../../test/support/clients';
import { waitFor } from '../../test/support/wait';
import type { ChatSendOk } from '@wegent/shared';

describe('dispatch: slots, queue and the task stream', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let backend: TestBackend;
  let alice: TestUser;
  const open: { close(): void }[] = [];
  let n = 0;

  async function pair(opts: { maxSlots?: number; ackMode?: TestDevice['ackMode'] } = {}) {
    const deviceId = `dev-${++n}`;
    const device = await TestDevice.connect({ url: backend.url, token: alice.token, deviceId, ...opts });
    const chat = await TestChat.connect({ url: backend.url, token: alice.token });
    open.push(device, chat);
    return { device, chat, deviceId };
  }

  before(async () => {
    redis = await startRedis();
    backend = await startBackend({ redisUrl: redis.url, env: { ...FAST_TIMING, WEGENT_EXECUTE_ACK_TIMEOUT_MS: '300', WEGENT_MAX_QUEUE_PER_DEVICE: '4' } });
    alice = await createUser(backend);
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  after(async () => {
    await backend?.stop();
    await redis?.stop();
  });

  it('runs 5 at once, queues the 6th and 7th with positions, and dispatches them in order as slots free', async () => {
    const { device, chat, deviceId } = await pair();
    const sent: ChatSendOk[] = [];
    for (let i = 1; i <= 7; i++) sent.push(await chat.sendOk({ device_id: deviceId, message: `task ${i}` }));
    assert.deepEqual(sent.map((s) => s.status), ['running', 'running', 'running', 'running', 'running', 'queued', 'queued']);
    assert.equal(sent[5].queue_position, 1);
    assert.equal(sent[6].queue_position, 2);
    await waitFor(() => device.running.size === 5);
    assert.equal(device.executes.filter((e) => e.subtask_id === sent[5].subtask_id).length, 0);

    const listed = await api(backend.url, 'GET', '/api/devices', { token: alice.token });
    const view = listed.body.devices.find((d: { device_id: string }) => d.device_id === deviceId);
    assert.equal(view.status, 'busy');
    assert.equal(view.slots_used, 5);

    await device.complete(sent[0].subtask_id, { result: 'ok' });
    const sixth = await device.waitForExecute(sent[5].subtask_id);
    assert.equal(sixth.prompt, 'task 6');
    // the 7th moved up to position 1 and the owner was told
    await chat.waitForEvent('chat:status', (p) => p.subtask_id === sent[6].subtask_id && p.queue_position === 1);
    await chat.waitForEvent('chat:status', (p) => p.subtask_id === sent[5].subtask_id && p.status === 'running');
    assert.equal(device.executes.some((e) => e.subtask_id === sent[6].subtask_id), false);

    await device.complete(sent[1].subtask_id, { result: 'ok' });
    await device.waitForExecute(sent[6].subtask_id);
    for (const s of sent.slice(2)) await device.complete(s.subtask_id, { result: 'ok' });
    for (const s of sent) assert.equal((await chat.waitForDone(s.subtask_id)).status, 'completed');
    // FIFO: the queued ones were executed in the order they were sent
    const order = device.executes.map((e) => e.prompt).filter((p, i, a) => a.indexOf(p) === i);
    assert.deepEqual(order, sent.map((_, i) => `task ${i + 1}`));
  });

  it("tells the owner's chats the device's load after each send into a free slot, as its device list shows it", async () => {
    const { device, chat, deviceId } = await pair({ maxSlots: 2 });
    await api(backend.url, 'PUT', `/api/devices/${deviceId}/default`, { token: alice.token });
    const listed = async () => (await api(backend.url, 'GET', '/api/devices', { token: alice.token })).body.devices.find((d: { device_id: string }) => d.device_id === deviceId);
    const running: string[] = [];
    for (const [used, status] of [[1, 'online'], [2, 'busy']] as const) {
      const sent = await chat.sendOk({ device_id: deviceId, message: `load ${used}` });
      const told = await chat.waitForEvent('device:status', (p) => p.device_id === deviceId && p.slots_used === used);
      const view = await listed();
      assert.deepEqual(told, { device_id: deviceId, name: view.name, status, slots_used: used, max_slots: 2, is_default: true });
      assert.deepEqual([view.status, view.slots_used, view.is_default], [status, used, true]);
      // Its own turn is announced after its chat:start, as pending.
      await chat.waitForEvent('chat:status', (p) => p.subtask_id === sent.subtask_id && p.status === 'pending');
      const order = chat.events.filter((e) => (e.payload as { subtask_id?: string }).subtask_id === sent.subtask_id).map((e) => e.event);
      assert.equal(order[0], 'chat:start');
      await device.waitForExecute(sent.subtask_id);
      running.push(sent.subtask_id);
    }
    // Each completion frees a slot, and the chats hear the load it left, as the list shows it.
    for (const [used, id] of [[1, running[0]], [0, running[1]]] as const) {
      const from = chat.events.length;
      const after = () => chat.events.slice(from);
      await device.complete(id, { result: 'ok' });
      await waitFor(() => after().some((e) => e.event === 'device:status'), { message: 'no device:status after the completion' });
      const told = after().find((e) => e.event === 'device:status')!.payload;
      const view = await listed();
      assert.deepEqual(told, { device_id: deviceId, name: view.name, status: 'online', slots_used: used, max_slots: 2, is_default: true });
      assert.equal(view.slots_used, used);
      const order = after().map((e) => e.event);
      assert.ok(order.indexOf('chat:done') >= 0 && order.indexOf('chat:done') < order.indexOf('device:status'), `chat:done first: ${order.join(', ')}`);
    }
  });

  it('never gives the last slot twice when many sends race for it', async () => {
    const { device, deviceId } = await pair();
    const chats = await Promise.all(Array.from({ length: 4 }, () => TestChat.connect({ url: backend.url, token: alice.token })));
    open.push(...chats);
    // 4 in the queue max: 5 slots + 4 queued = 9 accepted out of 12; the rest QUEUE_FULL
    const acks = await Promise.all(Array.from({ length: 12 }, (_, i) => chats[i % 4].send({ device_id: deviceId, message: `race ${i}` })));
    const running = acks.filter((a) => a.ok && a.status === 'running');
    const queued = acks.filter((a) => a.ok && a.status === 'queued');
    const full = acks.filter((a) => !a.ok);
    assert.equal(running.length, 5);
    assert.equal(queued.length, 4);
    assert.deepEqual(queued.map((a) => a.queue_position).sort(), [1, 2, 3, 4]);
    assert.equal(full.length, 3);
    for (const f of full) assert.equal(!f.ok && f.error.code, 'QUEUE_FULL');
    await waitFor(() => device.running.size === 5);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(new Set(device.executes.map((e) => e.subtask_id)).size, 5);
    // refused sends leave no trace in the history
    const tasks = await api(backend.url, 'GET', '/api/tasks', { token: alice.token });
    const prompts = tasks.body.tasks.map((t: { title: string }) => t.title).filter((t: string) => t.startsWith('race'));
    assert.equal(prompts.length, 9);
  });

  it('leaves a conversation untouched when a follow-up is refused with QUEUE_FULL', async () => {
    const { chat, deviceId } = await pair({ maxSlots: 1 });
    const first = await chat.sendOk({ device_id: deviceId, message: 'first' });
    for (let i = 0; i < 4; i++) await chat.sendOk({ device_id: deviceId, message: `fill ${i}` });
    const before = await api(backend.url, 'GET', `/api/tasks/${first.task_id}`, { token: alice.token });
    const list = await api(backend.url, 'GET', '/api/tasks', { token: alice.token });
    const refused = await chat.send({ device_id: deviceId, message: 'one too many', task_id: first.task_id });
    assert.equal(!refused.ok && refused.error.code, 'QUEUE_FULL');
    assert.deepEqual(await api(backend.url, 'GET', `/api/tasks/${first.task_id}`, { token: alice.token }).then((r) => r.body), before.body);
    assert.deepEqual(await api(backend.url, 'GET', '/api/tasks', { token: alice.token }).then((r) => r.body), list.body);
  });

  it('resends task:execute until the device acks, and the subtask becomes running only then', async () => {
    let withheld = 0;
    const { device, chat, deviceId } = await pair({ ackMode: () => (++withheld <= 2 ? null : { ok: true }) });
    const sent = await chat.sendOk({ device_id: deviceId, message: 'ack me eventually' });
    await waitFor(() => device.executes.length >= 3, { message: 'three task:execute deliveries' });
    assert.ok(device.executes.every((e) => e.subtask_id === sent.subtask_id));
    await chat.waitForEvent('chat:status', (p) => p.subtask_id === sent.subtask_id && p.status === 'running');
    const detail = await api(backend.url, 'GET', `/api/tasks/${sent.task_id}`, { token: alice.token });
    assert.equal(detail.body.subtasks[0].status, 'running');
    const count = device.executes.length;
    await new Promise((r) => setTimeout(r, 800)); // > 2 ack timeouts: no more resends after the ack
    assert.equal(device.executes.length, count);
  });

  it('puts a task back at the head of the queue when the device answers SLOTS_FULL', async () => {
    let refuse = true;
    const { device, chat, deviceId } = await pair({ ackMode: () => (refuse ? { ok: false, error: { code: 'SLOTS_FULL', message: 'busy' } } : { ok: true }) });
    const sent = await chat.sendOk({ device_id: deviceId, message: 'later' });
    await chat.waitForEvent('chat:status', (p) => p.subtask_id === sent.subtask_id && p.status === 'queued');
    refuse = false;
    // the next heartbeat retries the queue now that the device may have room
    await waitFor(() => device.executes.filter((e) => e.subtask_id === sent.subtask_id).length >= 2);
    await chat.waitForEvent('chat:status', (p) => p.subtask_id === sent.subtask_id && p.status === 'running');
  });

  it('applies each progress seq once, refuses gaps, and treats a second complete as done already', async () => {
    const { device, chat, deviceId } = await pair();
    const sent = await chat.sendOk({ device_id: deviceId, message: 'stream' });
    await device.waitForExecute(sent.subtask_id);
    assert.deepEqual(await device.progress(sent.subtask_id, [{ type: 'text', text: 'a' }]), { ok: true });
    assert.deepEqual(await device.progress(sent.subtask_id, [{ type: 'text', text: 'a' }], 1), { ok: true }); // resend
    const gap = await device.progress(sent.subtask_id, [{ type: 'text', text: 'c' }], 3);
    assert.equal(!gap.ok && gap.error.code, 'SEQ_GAP');
    assert.deepEqual(await device.progress(sent.subtask_id, [{ type: 'thinking', text: 'hm' }, { type: 'text', text: 'b' }]), { ok: true });
    const early = await device.complete(sent.subtask_id, { last_seq: 5 });
    assert.equal(!early.ok && early.error.code, 'SEQ_GAP');
    assert.deepEqual(await device.complete(sent.subtask_id, { result: 'ab' }), { ok: true });
    assert.deepEqual(await device.complete(sent.subtask_id, { result: 'different' }), { ok: true });
    await chat.waitForDone(sent.subtask_id);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(chat.of('chat:done', (p) => p.subtask_id === sent.subtask_id).length, 1);
    assert.deepEqual(chat.chunks(sent.subtask_id).map((c) => c.seq), [1, 2]);
    assert.equal(chat.text(sent.subtask_id), 'ab');
    assert.equal(chat.doneFor(sent.subtask_id)?.result, 'ab');
    // progress after the end is acked (so an outbox drains) but not applied
    assert.deepEqual(await device.progress(sent.subtask_id, [{ type: 'text', text: 'late' }]), { ok: true });
    const resumed = await chat.resume(sent.subtask_id, 0);
    assert.equal(resumed.chunks?.length, 2);
    assert.equal(resumed.done?.status, 'completed');
  });

  it('resumes a stream after a given seq for a client that was away', async () => {
    const { device, chat, deviceId } = await pair();
    const sent = await chat.sendOk({ device_id: deviceId, message: 'long' });
    await device.waitForExecute(sent.subtask_id);
    for (let i = 0; i < 6; i++) await device.text(sent.subtask_id, `${i}`);
    const mid = await chat.resume(sent.subtask_id, 4);
    assert.deepEqual(mid.chunks?.map((c) => c.seq), [5, 6]);
    assert.equal(mid.done, undefined);
    await device.complete(sent.subtask_id, { status: 'failed', error: { code: 'MODEL_ERROR', message: 'model said no' } });
    const end = await chat.resume(sent.subtask_id, 6);
    assert.deepEqual(end.chunks, []);
    assert.deepEqual(end.done?.error, { code: 'MODEL_ERROR', message: 'model said no' });
    assert.equal(end.done?.status, 'failed');
  });

  it('cancels a queued task at once and a running one through the device', async () => {
    const { device, chat, deviceId } = await pair({ maxSlots: 1 });
    const running = await chat.sendOk({ device_id: deviceId, message: 'run' });
    const queued = await chat.sendOk({ device_id: deviceId, message: 'wait' });
    const third = await chat.sendOk({ device_id: deviceId, message: 'third' });
    assert.equal(queued.status, 'queued');
    await device.waitForExecute(running.subtask_id);

    assert.deepEqual(await chat.cancel(queued.subtask_id), { ok: true });
    assert.equal((await chat.waitForDone(queued.subtask_id)).status, 'cancelled');
    await chat.waitForEvent('chat:status', (p) => p.subtask_id === third.subtask_id && p.queue_position === 1);

    assert.deepEqual(await chat.cancel(running.subtask_id), { ok: true });
    await waitFor(() => device.cancels.some((c) => c.subtask_id === running.subtask_id));
    assert.equal(chat.doneFor(running.subtask_id), undefined); // done only when the device confirms
    await device.complete(running.subtask_id, { status: 'cancelled' });
    assert.equal((await chat.waitForDone(running.subtask_id)).status, 'cancelled');
    // the freed slot went to the next in line, never to the cancelled one
    await device.waitForExecute(third.subtask_id);
    assert.equal(device.executes.some((e) => e.subtask_id === queued.subtask_id), false);
    assert.deepEqual(await chat.cancel(queued.subtask_id), { ok: true }); // idempotent
  });

  it('heartbeats keep asking the device to stop a cancelled task until it reports', async () => {
    const { device, chat, deviceId } = await pair();
    const sent = await chat.sendOk({ device_id: deviceId, message: 'x' });
    await device.waitForExecute(sent.subtask_id);
    await chat.cancel(sent.subtask_id);
    await waitFor(() => device.cancelledByHeartbeat.includes(sent.subtask_id));
  });

  it('fails queued and running tasks when the device is deleted, and forgets the device', async () => {
    const { device, chat, deviceId } = await pair({ maxSlots: 1 });
    const running = await chat.sendOk({ device_id: deviceId, message: 'run' });
    const queued = await chat.sendOk({ device_id: deviceId, message: 'wait' });
    await device.waitForExecute(running.subtask_id);
    const del = await api(backend.url, 'DELETE', `/api/devices/${deviceId}`, { token: alice.token });
    assert.equal(del.status, 204);
    const d1 = await chat.waitForDone(running.subtask_id);
    const d2 = await chat.waitForDone(queued.subtask_id);
    assert.equal(d1.status, 'failed');
    assert.equal(d1.error?.code, 'DEVICE_UNAVAILABLE');
    assert.equal(d2.error?.code, 'DEVICE_UNAVAILABLE');
    await waitFor(() => device.cancels.some((c) => c.subtask_id === running.subtask_id));
    await chat.waitForEvent('device:status', (p) => p.device_id === deviceId && p.deleted === true);
    device.stopHeartbeats();
    const hb = await device.heartbeat();
    assert.equal(!hb.ok && hb.error.code, 'DEVICE_NOT_REGISTERED');
    const list = await api(backend.url, 'GET', '/api/devices', { token: alice.token });
    assert.equal(list.body.devices.some((d: { device_id: string }) => d.device_id === deviceId), false);
    // a late completion for the failed task is acknowledged and changes nothing
    assert.deepEqual(await device.complete(running.subtask_id, { result: 'too late' }), { ok: true });
    // the executor is still running: it registers again and the device is back
    assert.equal((await device.register()).ok, true);
    const again = await api(backend.url, 'GET', '/api/devices', { token: alice.token });
    assert.equal(again.body.devices.some((d: { device_id: string }) => d.device_id === deviceId), true);
  });

  it('refuses sends to an offline or unknown device', async () => {
    const { device, chat, deviceId } = await pair();
    const unknown = await chat.send({ device_id: 'no-such-device', message: 'hi' });
    assert.equal(!unknown.ok && unknown.error.code, 'DEVICE_NOT_FOUND');
    const badTask = await chat.send({ device_id: deviceId, message: 'hi', task_id: 'task_nope' });
    assert.equal(!badTask.ok && badTask.error.code, 'TASK_NOT_FOUND');
    device.close(); // clean goodbye with nothing running: offline at once
    await waitFor(async () => {
      const ack = await chat.send({ device_id: deviceId, message: 'hi' });
      return !ack.ok && ack.error.code === 'DEVICE_OFFLINE';
    }, { timeout: 5000 });
  });
});
