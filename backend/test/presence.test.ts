// Registration, heartbeats, the online TTL and the monitor: offline exactly at the TTL, tasks
// failed with the right codes, reclaim within the TTL, replacement by a newer socket, defaults.
import assert from 'node:assert/strict';
import { startRedis, type TestRedis } from '../../test/support/redis';
import { startBackend, createUser, type TestBackend, type TestUser } from '../../test/support/backend';
import { TestChat, TestDevice, api } from '../../test/support/clients';
import { waitFor } from '../../test/support/wait';

// TTL 2 s with a monitor period of 10 s: detection must come from the deadline, not the period.
// (Ten heartbeats per TTL keep a healthy device online through event-loop stalls on a busy machine.)
const TTL_MS = 2000;
const TIMING = { WEGENT_HEARTBEAT_INTERVAL_MS: '200', WEGENT_ONLINE_TTL_MS: String(TTL_MS), WEGENT_MONITOR_INTERVAL_MS: '10000' };

describe('presence: register, heartbeat, TTL and the monitor', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let backend: TestBackend;
  let alice: TestUser;
  let bob: TestUser;
  const open: { close(): void }[] = [];
  let n = 0;
  const nextId = () => `pres-${++n}`;

  before(async () => {
    redis = await startRedis();
    backend = await startBackend({ redisUrl: redis.url, env: TIMING });
    [alice, bob] = await Promise.all([createUser(backend), createUser(backend)]);
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  after(async () => {
    await backend?.stop();
    await redis?.stop();
  });

  async function device(opts: Partial<Parameters<typeof TestDevice.connect>[0]> = {}) {
    const d = await TestDevice.connect({ url: backend.url, token: alice.token, deviceId: nextId(), ...opts });
    open.push(d);
    return d;
  }
  async function chat(user = alice) {
    const c = await TestChat.connect({ url: backend.url, token: user.token });
    open.push(c);
    return c;
  }
  async function listed(deviceId: string, user = alice) {
    const res = await api(backend.url, 'GET', '/api/devices', { token: user.token });
    return res.body.devices.find((d: { device_id: string }) => d.device_id === deviceId);
  }

  it('answers register with the device, its timings, and caps max_slots at 5', async () => {
    const d = await device({ maxSlots: 9, name: 'Darwin - MacBook-Pro.local', executorVersion: '1.2.3' });
    const ack = d.registerAck as any;
    assert.equal(ack.ok, true);
    assert.equal(ack.device.device_id, d.deviceId);
    assert.equal(ack.device.max_slots, 5);
    assert.equal(ack.device.status, 'online');
    assert.equal(ack.heartbeat_interval_s, 0.2);
    assert.equal(ack.online_ttl_s, TTL_MS / 1000);
    const view = await listed(d.deviceId);
    assert.deepEqual(
      { name: view.name, status: view.status, slots_used: view.slots_used, max_slots: view.max_slots, is_default: view.is_default, executor_version: view.executor_version },
      { name: 'Darwin - MacBook-Pro.local', status: 'online', slots_used: 0, max_slots: 5, is_default: false, executor_version: '1.2.3' },
    );
    assert.ok(Date.parse(view.last_seen_at) > Date.now() - 10_000);
  });

  it('keeps a heartbeating device online across many TTLs', async () => {
    const d = await device();
    await waitFor(() => d.heartbeats >= 25, { message: '25 heartbeats' }); // ≈ 2.5 TTLs
    assert.equal((await listed(d.deviceId)).status, 'online');
  });

  it('refuses heartbeats for a device this connection did not register', async () => {
    const d = await device();
    const other = await d.emit('device:heartbeat', { device_id: 'someone-else', running_task_ids: [] });
    assert.equal(!other.ok && other.error.code, 'DEVICE_NOT_REGISTERED');
    const fresh = await TestDevice.connect({ url: backend.url, token: alice.token, deviceId: nextId(), register: false });
    open.push(fresh);
    const hb = await fresh.emit('device:heartbeat', { device_id: fresh.deviceId, running_task_ids: [] });
    assert.equal(!hb.ok && hb.error.code, 'DEVICE_NOT_REGISTERED');
    const pr = await fresh.emit('task:progress', { subtask_id: 'sub_x', seq: 1, events: [{ type: 'text', text: 'x' }] });
    assert.equal(!pr.ok && pr.error.code, 'DEVICE_NOT_REGISTERED');
  });

  it('declares a silent device offline at its TTL (not a monitor period later) and fails its tasks', async () => {
    const d = await device({ maxSlots: 1 });
    const c = await chat();
    const running = await c.sendOk({ device_id: d.deviceId, message: 'long job' });
    const queued = await c.sendOk({ device_id: d.deviceId, message: 'waiting' });
    await d.waitForExecute(running.subtask_id);
    await waitFor(async () => (await listed(d.deviceId)).status === 'busy');
    await d.text(running.subtask_id, 'partial output');
    d.stopHeartbeats();
    const lastBeat = Date.now();
    const offline = await c.waitForEvent('device:status', (p) => p.device_id === d.deviceId && p.status === 'offline', 10_000);
    const detectedAfter = Date.now() - lastBeat;
    assert.ok(detectedAfter < TTL_MS + 2000, `offline after ${detectedAfter} ms: must follow the ${TTL_MS} ms TTL, not the 10 s monitor period`);
    assert.equal(offline.slots_used, 0);
    const d1 = await c.waitForDone(running.subtask_id);
    const d2 = await c.waitForDone(queued.subtask_id);
    assert.equal(d1.status, 'failed');
    assert.equal(d1.error?.code, 'DEVICE_OFFLINE');
    assert.match(d1.error!.message, /offline/);
    assert.equal(d2.status, 'failed');
    assert.equal(d2.error?.code, 'DEVICE_UNAVAILABLE');
    assert.equal((await listed(d.deviceId)).status, 'offline');
    // the partial output stays in the history
    const detail = await api(backend.url, 'GET', `/api/tasks/${running.task_id}`, { token: alice.token });
    assert.equal(detail.body.subtasks[0].events[0].events[0].text, 'partial output');
    // the device comes back: its next heartbeat is told to drop the failed task
    const hb = await d.heartbeat();
    assert.deepEqual(hb.ok && hb.cancel_subtask_ids, [running.subtask_id]);
    await c.waitForEvent('device:status', (p) => p.device_id === d.deviceId && p.status === 'online');
  });

  it('lets a device that reconnects within its TTL keep its running task', async () => {
    const d = await device();
    const c = await chat();
    const sent = await c.sendOk({ device_id: d.deviceId, message: 'survive a blip' });
    await d.waitForExecute(sent.subtask_id);
    await d.text(sent.subtask_id, 'before ');
    d.drop(); // network blip: no goodbye
    const back = await TestDevice.connect({ url: backend.url, token: alice.token, deviceId: d.deviceId, runningTaskIds: [sent.subtask_id] });
    open.push(back);
    assert.equal(back.registerAck?.ok, true);
    assert.equal((back.registerAck as any).cancel_subtask_ids, undefined);
    await new Promise((r) => setTimeout(r, TTL_MS + 600)); // longer than the TTL: the old socket's lapse must not fail it
    assert.equal(c.doneFor(sent.subtask_id), undefined);
    await back.progress(sent.subtask_id, [{ type: 'text', text: 'after' }], 2);
    await back.complete(sent.subtask_id, { result: 'before after', last_seq: 2 });
    const done = await c.waitForDone(sent.subtask_id);
    assert.equal(done.status, 'completed');
    assert.equal(c.text(sent.subtask_id), 'before after');
  });

  it('fails an orphaned task the device stopped reporting, and reports a reclaimed-too-late one for cancel', async () => {
    const d = await device();
    const c = await chat();
    const sent = await c.sendOk({ device_id: d.deviceId, message: 'lost on the device' });
    await d.waitForExecute(sent.subtask_id);
    d.running.delete(sent.subtask_id); // the executor restarted and forgot it
    const done = await c.waitForDone(sent.subtask_id, 10_000);
    assert.equal(done.status, 'failed');
    assert.equal(done.error?.code, 'EXECUTOR_ERROR');
    const again = await d.register({ running_task_ids: [sent.subtask_id] });
    assert.deepEqual((again as any).cancel_subtask_ids, [sent.subtask_id]);
    await waitFor(() => d.cancels.some((x) => x.subtask_id === sent.subtask_id));
  });

  it('moves a device to a newer socket and closes the old one with device:replaced', async () => {
    const first = await device();
    const second = await TestDevice.connect({ url: backend.url, token: alice.token, deviceId: first.deviceId });
    open.push(second);
    await waitFor(() => first.replaced !== null && !first.connected, { message: 'old socket replaced and closed' });
    assert.match(first.replaced!.message, /another/);
    const c = await chat();
    const sent = await c.sendOk({ device_id: first.deviceId, message: 'to the new socket' });
    await second.waitForExecute(sent.subtask_id);
    assert.equal(first.executes.length, 0);
  });

  it('keeps device ids owned by the first account and cloud mode for operators', async () => {
    const d = await device();
    const stolen = await TestDevice.connect({ url: backend.url, token: bob.token, deviceId: d.deviceId, register: false });
    open.push(stolen);
    const ack = await stolen.register();
    assert.equal(!ack.ok && ack.error.code, 'DEVICE_OWNED_BY_OTHER_USER');
    const cloud = await stolen.register({ device_id: 'bobs-cloud', mode: 'cloud' });
    assert.equal(!cloud.ok && cloud.error.code, 'FORBIDDEN');
    const reserved = await stolen.register({ device_id: 'cloud' });
    assert.equal(!reserved.ok && reserved.error.code, 'INVALID_PAYLOAD');
    assert.equal(d.replaced, null);
  });

  it('toggles one default device per user and pushes device:status', async () => {
    const a = await device();
    const b = await device();
    const c = await chat();
    assert.equal((await api(backend.url, 'PUT', `/api/devices/${a.deviceId}/default`, { token: alice.token })).status, 200);
    assert.equal((await listed(a.deviceId)).is_default, true);
    await c.waitForEvent('device:status', (p) => p.device_id === a.deviceId && p.is_default === true);
    assert.equal((await api(backend.url, 'PUT', `/api/devices/${b.deviceId}/default`, { token: alice.token })).status, 200);
    assert.equal((await listed(a.deviceId)).is_default, false);
    assert.equal((await listed(b.deviceId)).is_default, true);
    assert.equal((await api(backend.url, 'DELETE', `/api/devices/${b.deviceId}/default`, { token: alice.token })).status, 200);
    assert.equal((await listed(b.deviceId)).is_default, false);
    const unknown = await api(backend.url, 'PUT', '/api/devices/nope/default', { token: alice.token });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'DEVICE_NOT_FOUND');
  });

  it('takes a device offline at once when its executor says goodbye with nothing running', async () => {
    const d = await device();
    const c = await chat();
    d.close();
    await c.waitForEvent('device:status', (p) => p.device_id === d.deviceId && p.status === 'offline', 3000);
  });
});
