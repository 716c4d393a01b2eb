// Persistence: a backend restart (graceful or SIGKILL, with Redis restarting from its append-only
// file too) loses nothing — accounts, tokens, devices, running and queued tasks, streamed chunks.
import assert from 'node:assert/strict';
import { startRedis, type TestRedis } from '../../test/support/redis';
import { startBackend, createUser, type TestBackend, type TestUser } from '../../test/support/backend';
import { TestChat, TestDevice, api } from '../../test/support/clients';
import { waitFor } from '../../test/support/wait';

// A TTL long enough to ride out a restart on a slow machine.
const TIMING = { WEGENT_HEARTBEAT_INTERVAL_MS: '300', WEGENT_ONLINE_TTL_MS: '4000', WEGENT_MONITOR_INTERVAL_MS: '1000' };

describe('restart: nothing is lost', function () {
  this.timeout(90_000);
  let redis: TestRedis;
  let backend: TestBackend;
  let alice: TestUser;
  const open: { close(): void }[] = [];

  before(async () => {
    redis = await startRedis({ appendonly: true });
    backend = await startBackend({ redisUrl: redis.url, env: TIMING });
    alice = await createUser(backend);
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  after(async () => {
    await backend?.stop();
    await redis?.stop();
  });

  async function scenario(deviceId: string, restart: () => Promise<void>) {
    const device = await TestDevice.connect({ url: backend.url, token: alice.token, deviceId, maxSlots: 1 });
    const chat = await TestChat.connect({ url: backend.url, token: alice.token });
    open.push(device, chat);
    const running = await chat.sendOk({ device_id: deviceId, message: 'running across a restart' });
    const queued = await chat.sendOk({ device_id: deviceId, message: 'queued across a restart' });
    assert.equal(queued.status, 'queued');
    await device.waitForExecute(running.subtask_id);
    for (const t of ['one ', 'two ', 'three ']) await device.text(running.subtask_id, t);
    await waitFor(() => chat.chunks(running.subtask_id).length === 3);

    await restart();

    // the executor reconnects by itself and reclaims what it runs
    await waitFor(() => device.registrations >= 2 && device.connected, { timeout: 20_000, message: 'device re-registered' });
    assert.equal((device.registerAck as any).cancel_subtask_ids, undefined);
    await waitFor(() => chat.socket.connected, { timeout: 20_000, message: 'chat reconnected' });
    for (const t of ['four ', 'five']) assert.deepEqual(await device.text(running.subtask_id, t), { ok: true });
    assert.deepEqual(await device.complete(running.subtask_id, { result: 'one two three four five' }), { ok: true });
    // the queued one kept its place and runs now
    const second = await device.waitForExecute(queued.subtask_id, 20_000);
    assert.equal(second.prompt, 'queued across a restart');
    await device.complete(queued.subtask_id, { result: 'second' });

    // every chunk, once, in order — whatever the chat saw live, resume fills the rest
    const resumed = await chat.resume(running.subtask_id, 0);
    assert.deepEqual(resumed.chunks?.map((c) => c.seq), [1, 2, 3, 4, 5]);
    assert.equal(resumed.chunks?.flatMap((c) => c.events).map((e) => (e.type === 'text' ? e.text : '')).join(''), 'one two three four five');
    assert.equal(resumed.done?.status, 'completed');
    const live = chat.chunks(running.subtask_id).map((c) => c.seq);
    assert.deepEqual(live, [...new Set(live)].sort((a, b) => a - b), 'live chunks never duplicated or reordered');
    const tasks = await api(backend.url, 'GET', '/api/tasks', { token: alice.token });
    for (const s of [running, queued]) assert.equal(tasks.body.tasks.find((t: { task_id: string }) => t.task_id === s.task_id).status, 'completed');
  }

  it('survives a graceful backend restart with a task running and one queued', async () => {
    let device: TestDevice | undefined;
    await scenario('restart-graceful', async () => {
      device = open.find((c): c is TestDevice => c instanceof TestDevice);
      await backend.restart();
    });
    // graceful shutdown drops transports: clients reconnect by themselves (not "io server disconnect")
    assert.deepEqual(device?.disconnectReasons, ['transport close']);
  });

  it('survives a SIGKILLed backend and a Redis restart from its append-only file', async () => {
    await scenario('restart-crash', async () => {
      await backend.kill();
      await redis.restart();
      await backend.start();
    });
    // the account and its token outlived both restarts
    assert.equal((await api(backend.url, 'GET', '/api/me', { token: alice.token })).status, 200);
    const login = await api(backend.url, 'POST', '/api/auth/login', { body: { username: alice.username, password: alice.password } });
    assert.equal(login.status, 200);
  });

  it('resends an unacknowledged task:execute after the backend comes back', async () => {
    const device = await TestDevice.connect({ url: backend.url, token: alice.token, deviceId: 'restart-unacked', ackMode: 'withhold' });
    const chat = await TestChat.connect({ url: backend.url, token: alice.token });
    open.push(device, chat);
    const sent = await chat.sendOk({ device_id: 'restart-unacked', message: 'ack me later' });
    await device.waitForExecute(sent.subtask_id);
    await backend.kill();
    device.ackMode = 'accept';
    const before = device.executes.length;
    await backend.start();
    await waitFor(() => device.executes.length > before, { timeout: 20_000, message: 'task:execute resent after restart' });
    await waitFor(async () => (await chat.resume(sent.subtask_id, 0)).ok && (await api(backend.url, 'GET', `/api/tasks/${sent.task_id}`, { token: alice.token })).body.subtasks[0].status === 'running', { timeout: 20_000 });
  });
});
