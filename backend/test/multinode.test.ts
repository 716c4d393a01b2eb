// Scale-out behind one address: two backend processes on one Redis, reached through a TCP load
// balancer (test/support/balancer.ts). Killing the node a device and a chat are connected to must
// not lose the task: both reconnect through the same address to the surviving node, the device
// reclaims its running task and finishes it, and the chat ends up with every chunk once, in order.
// (cluster.test.ts covers cross-node dispatch, cancel, replacement, revocation and exactly-once
// offline detection between two directly addressed nodes.) Also: one node with the in-memory
// adapter (WEGENT_SOCKET_ADAPTER=local) still works end to end.
import assert from 'node:assert/strict';
import type { ChatChunk } from '@wegent/shared';
import { redisClient, startRedis, type TestRedis } from '../../test/support/redis';
import { startBackend, createUser, type TestBackend, type TestUser } from '../../test/support/backend';
import { startBalancer, type Balancer } from '../../test/support/balancer';
import { TestChat, TestDevice, api } from '../../test/support/clients';
import { waitFor } from '../../test/support/wait';
import { loadConfig, ConfigError } from '../src/config';

/** A TTL long enough for a reconnect to another node on a loaded machine, short enough for a test. */
const TIMING = { WEGENT_HEARTBEAT_INTERVAL_MS: '300', WEGENT_ONLINE_TTL_MS: '4000', WEGENT_MONITOR_INTERVAL_MS: '1000' };

async function gauge(url: string, name: string): Promise<number> {
  const text = (await api(url, 'GET', '/metrics')).body as string;
  const line = text.split('\n').find((l) => l.startsWith(name + ' '));
  return line ? Number(line.split(' ')[1]) : 0;
}

/** Sends the next progress, retrying while the device is between nodes (not connected / not registered yet). */
async function progressSurely(device: TestDevice, subtaskId: string, text: string): Promise<void> {
  await waitFor(
    async () => {
      if (!device.connected) return false;
      const ack = await device.progress(subtaskId, [{ type: 'text', text }]);
      return ack.ok;
    },
    { timeout: 30_000, interval: 100, message: `progress "${text}" never accepted` },
  );
}

describe('multi-node: two backends behind one address', function () {
  this.timeout(120_000);
  let redis: TestRedis;
  let a: TestBackend;
  let b: TestBackend;
  let lb: Balancer;
  let alice: TestUser;
  const open: { close(): void }[] = [];

  before(async () => {
    redis = await startRedis();
    [a, b] = await Promise.all([startBackend({ redisUrl: redis.url, env: TIMING }), startBackend({ redisUrl: redis.url, env: TIMING })]);
    // Node A first while it is up, node B when A refuses: so we know where everyone lands.
    lb = await startBalancer([a.port, b.port], { policy: 'failover' });
    alice = await createUser(a);
  });
  after(async () => {
    for (const c of open.splice(0)) c.close();
    await lb?.close();
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
  });

  it('keeps a task running when its node is killed mid-stream: device and chat move to the other node, nothing is lost', async () => {
    const device = await TestDevice.connect({ url: lb.url, token: alice.token, deviceId: 'lb-dev' });
    const chat = await TestChat.connect({ url: lb.url, token: alice.token });
    open.push(device, chat);
    assert.equal(await gauge(a.url, 'wegent_device_sockets'), 1, 'the device is on node A');
    assert.equal(await gauge(b.url, 'wegent_device_sockets'), 0);

    const sent = await chat.sendOk({ device_id: 'lb-dev', message: 'survive a node' });
    await device.waitForExecute(sent.subtask_id);
    for (let i = 1; i <= 5; i++) await progressSurely(device, sent.subtask_id, `${i},`);
    await waitFor(() => chat.chunks(sent.subtask_id).length === 5, { message: 'first chunks before the kill' });

    await a.kill(); // SIGKILL: no goodbye to anyone
    await waitFor(() => !device.connected, { message: 'device noticed node A is gone' });
    // Through the same address the device lands on node B and registers again, reclaiming its task.
    await waitFor(async () => device.connected && (await gauge(b.url, 'wegent_device_sockets')) === 1, { timeout: 30_000, message: 'device reconnected to node B' });
    for (let i = 6; i <= 10; i++) await progressSurely(device, sent.subtask_id, `${i},`);
    const done = await waitFor(async () => device.connected && (await device.complete(sent.subtask_id, { result: 'all ten' })).ok, { timeout: 30_000, message: 'complete accepted' });
    assert.ok(done);

    // The chat reconnected to B as well; what it missed while away comes from chat:resume.
    await waitFor(() => chat.socket.connected, { timeout: 30_000, message: 'chat reconnected' });
    const resumed = await chat.resume(sent.subtask_id, 0);
    assert.ok(resumed.ok);
    assert.deepEqual(resumed.chunks!.map((c: ChatChunk) => c.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(resumed.chunks!.flatMap((c: ChatChunk) => c.events).map((e) => (e.type === 'text' ? e.text : '')).join(''), '1,2,3,4,5,6,7,8,9,10,');
    assert.equal(resumed.done?.status, 'completed', 'the task finished, it was not failed as offline');
    // Live chunks the chat did see arrived once each and in order.
    const live = chat.chunks(sent.subtask_id).map((c) => c.seq);
    assert.deepEqual(live, [...new Set(live)].sort((x, y) => x - y));

    const tasks = await api(lb.url, 'GET', `/api/tasks/${sent.task_id}`, { token: alice.token });
    assert.equal(tasks.status, 200);
    assert.equal(tasks.body.subtasks[0].status, 'completed');
    assert.equal(tasks.body.subtasks[0].last_seq, 10);
  });

  it('needs no sticky sessions for WebSocket-only clients: devices spread round-robin over both nodes all run tasks sent from one chat', async () => {
    await a.start(); // node A back after the kill above
    const rr = await startBalancer([a.port, b.port], { policy: 'round-robin' });
    try {
      const devices = await Promise.all([0, 1, 2, 3].map((i) => TestDevice.connect({ url: rr.url, token: alice.token, deviceId: `rr-dev-${i}` })));
      const chat = await TestChat.connect({ url: rr.url, token: alice.token });
      open.push(...devices, chat);
      assert.ok((rr.connections.get(a.port) ?? 0) >= 2 && (rr.connections.get(b.port) ?? 0) >= 2, 'connections went to both nodes');
      for (const d of devices) {
        const sent = await chat.sendOk({ device_id: d.deviceId, message: `hello ${d.deviceId}` });
        await d.waitForExecute(sent.subtask_id);
        await d.text(sent.subtask_id, d.deviceId);
        await d.complete(sent.subtask_id, { result: 'ok' });
        await chat.waitForDone(sent.subtask_id);
        assert.equal(chat.text(sent.subtask_id), d.deviceId);
      }
    } finally {
      for (const c of open.splice(0)) c.close();
      await rr.close();
    }
  });

  it('detects a device that vanished from the surviving node as offline and fails its task once', async () => {
    await a.start(); // (no-op when already back) the failover balancer prefers node A again
    const device = await TestDevice.connect({ url: lb.url, token: alice.token, deviceId: 'lb-lapse' });
    const chat = await TestChat.connect({ url: b.url, token: alice.token });
    open.push(device, chat);
    // (devices of the previous test are still leaving: wait for the count to settle)
    await waitFor(async () => (await gauge(a.url, 'wegent_device_sockets')) === 1, { message: 'the new device is on the restarted node A' });
    const sent = await chat.sendOk({ device_id: 'lb-lapse', message: 'doomed' });
    await device.waitForExecute(sent.subtask_id);
    device.drop();
    const done = await chat.waitForDone(sent.subtask_id, 20_000);
    assert.equal(done.error?.code, 'DEVICE_OFFLINE');
    await chat.waitForEvent('device:status', (s) => s.device_id === 'lb-lapse' && s.status === 'offline', 10_000);
    assert.equal(chat.of('chat:done', (p) => p.subtask_id === sent.subtask_id).length, 1);
  });
});

describe('one node with the in-memory Socket.IO adapter', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let solo: TestBackend;

  before(async () => {
    redis = await startRedis();
    solo = await startBackend({ redisUrl: redis.url, env: { ...TIMING, WEGENT_SOCKET_ADAPTER: 'local' } });
  });
  after(async () => {
    await solo?.stop();
    await redis?.stop();
  });

  it('dispatches, streams and completes without the Redis adapter', async () => {
    const user = await createUser(solo);
    const device = await TestDevice.connect({ url: solo.url, token: user.token, deviceId: 'solo-dev' });
    const chat = await TestChat.connect({ url: solo.url, token: user.token });
    try {
      const sent = await chat.sendOk({ device_id: 'solo-dev', message: 'alone' });
      await device.waitForExecute(sent.subtask_id);
      await device.text(sent.subtask_id, 'just ');
      await device.text(sent.subtask_id, 'me');
      await device.complete(sent.subtask_id, { result: 'ok' });
      assert.equal((await chat.waitForDone(sent.subtask_id)).status, 'completed');
      assert.equal(chat.text(sent.subtask_id), 'just me');
    } finally {
      device.close();
      chat.close();
    }
    // Nothing went through the adapter's stream.
    const probe = redisClient(redis.url);
    try {
      assert.equal(await probe.exists('wg:socket.io'), 0);
    } finally {
      probe.disconnect();
    }
  });

  it('refuses an unknown adapter name with a message that says what to set', () => {
    assert.throws(() => loadConfig({ WEGENT_JWT_SECRET: 'x'.repeat(40), WEGENT_DATA_DIR: '/tmp/wegent-cfg-test', WEGENT_SOCKET_ADAPTER: 'kafka' }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match((err as Error).message, /WEGENT_SOCKET_ADAPTER must be "redis-streams".*"local"/);
      return true;
    });
  });
});
