// Several backend processes sharing one Redis: events cross nodes through the Socket.IO adapter,
// revocation expels sockets on every node, and a lapsed device is failed by exactly one node.
import assert from 'node:assert/strict';
import { startRedis, type TestRedis } from '../../test/support/redis';
import { startBackend, createUser, FAST_TIMING, type TestBackend, type TestUser } from '../../test/support/backend';
import { TestChat, TestDevice, api } from '../../test/support/clients';
import { waitFor } from '../../test/support/wait';

async function metric(url: string, name: string): Promise<number> {
  const text = (await api(url, 'GET', '/metrics')).body as string;
  const line = text.split('\n').find((l) => l.startsWith(name + ' '));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('cluster: two backend nodes on one Redis', function () {
  this.timeout(90_000);
  let redis: TestRedis;
  let a: TestBackend;
  let b: TestBackend;
  let alice: TestUser;
  const open: { close(): void }[] = [];

  before(async () => {
    redis = await startRedis();
    [a, b] = await Promise.all([
      startBackend({ redisUrl: redis.url, env: FAST_TIMING }),
      startBackend({ redisUrl: redis.url, env: FAST_TIMING }),
    ]);
    alice = await createUser(a);
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
  });

  it('runs a task sent on one node on a device connected to the other, and streams it back', async () => {
    const device = await TestDevice.connect({ url: a.url, token: alice.token, deviceId: 'node-a-dev' });
    const chat = await TestChat.connect({ url: b.url, token: alice.token });
    open.push(device, chat);
    // No pause for the adapters to find each other: a task:execute nobody answers yet is resent.
    const sent = await chat.sendOk({ device_id: 'node-a-dev', message: 'cross node' });
    await device.waitForExecute(sent.subtask_id);
    for (let i = 1; i <= 10; i++) await device.text(sent.subtask_id, `${i},`);
    await device.complete(sent.subtask_id, { result: 'ok' });
    await chat.waitForDone(sent.subtask_id);
    assert.deepEqual(chat.chunks(sent.subtask_id).map((c) => c.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await chat.waitForEvent('device:status', (p) => p.device_id === 'node-a-dev');

    // cancel from node B reaches the device on node A
    const second = await chat.sendOk({ device_id: 'node-a-dev', message: 'to cancel' });
    await device.waitForExecute(second.subtask_id);
    await chat.cancel(second.subtask_id);
    await waitFor(() => device.cancels.some((c) => c.subtask_id === second.subtask_id));
  });

  it('replaces a device socket held by the other node', async () => {
    const first = await TestDevice.connect({ url: a.url, token: alice.token, deviceId: 'moving-dev' });
    open.push(first);
    const second = await TestDevice.connect({ url: b.url, token: alice.token, deviceId: 'moving-dev' });
    open.push(second);
    await waitFor(() => first.replaced !== null && !first.connected, { message: 'node A socket replaced' });
    const chat = await TestChat.connect({ url: a.url, token: alice.token });
    open.push(chat);
    const sent = await chat.sendOk({ device_id: 'moving-dev', message: 'where are you' });
    await second.waitForExecute(sent.subtask_id);
  });

  it('expels sockets on every node when a token is revoked on one', async () => {
    const created = await api(a.url, 'POST', '/api/tokens', { token: alice.token, body: { name: 'multi' } });
    const device = await TestDevice.connect({ url: a.url, token: created.body.token, deviceId: 'revoked-dev' });
    const chat = await TestChat.connect({ url: b.url, token: created.body.token });
    open.push(device, chat);
    assert.equal((await api(b.url, 'DELETE', `/api/tokens/${created.body.id}`, { token: alice.token })).status, 204);
    await waitFor(() => device.authExpired[0]?.code === 'AUTH_REVOKED' && !device.connected, { message: 'device on node A expelled' });
    await waitFor(() => chat.of('auth:expired')[0]?.code === 'AUTH_REVOKED' && !chat.socket.connected, { message: 'chat on node B expelled' });
  });

  it('fails a lapsed device’s tasks exactly once though both nodes monitor it', async () => {
    // devices of earlier tests said goodbye: wait until their offline detections are counted
    await waitFor(async () => (await metric(a.url, 'wegent_online_devices')) === 0, { message: 'earlier devices offline' });
    const before = (await metric(a.url, 'wegent_offline_detections_total')) + (await metric(b.url, 'wegent_offline_detections_total'));
    const devices = await Promise.all([1, 2, 3].map((i) => TestDevice.connect({ url: i % 2 ? a.url : b.url, token: alice.token, deviceId: `lapse-${i}` })));
    const chat = await TestChat.connect({ url: b.url, token: alice.token });
    open.push(...devices, chat);
    const sent = await Promise.all(devices.map((d) => chat.sendOk({ device_id: d.deviceId, message: 'doomed' })));
    await Promise.all(devices.map((d, i) => d.waitForExecute(sent[i].subtask_id)));
    for (const d of devices) d.drop();
    for (const s of sent) assert.equal((await chat.waitForDone(s.subtask_id, 20_000)).error?.code, 'DEVICE_OFFLINE');
    // A second claim could only come from a later monitor pass. Both nodes have made one once each
    // has claimed a device that lapsed after these: a pass claims every deadline already lapsed.
    const claimedBy = async () => [await metric(a.url, 'wegent_offline_detections_total'), await metric(b.url, 'wegent_offline_detections_total')];
    // Each claim is counted once its release lands, a moment after the chat:done it caused.
    const afterDoomed = await waitFor(async () => {
      const c = await claimedBy();
      return c[0] + c[1] - before >= 3 ? c : null;
    }, { message: 'the three lapses counted' });
    let sentinels = 0;
    await waitFor(async () => {
      const batch = await Promise.all([1, 2, 3].map((i) => TestDevice.connect({ url: i % 2 ? a.url : b.url, token: alice.token, deviceId: `sentinel-${sentinels + i}` })));
      open.push(...batch);
      sentinels += batch.length;
      for (const d of batch) d.drop();
      await waitFor(async () => (await claimedBy()).reduce((x, y) => x + y) - afterDoomed.reduce((x, y) => x + y) === sentinels, { timeout: 20_000, message: 'sentinels offline' });
      const now = await claimedBy();
      return now[0] > afterDoomed[0] && now[1] > afterDoomed[1];
    }, { timeout: 60_000, message: 'both nodes made a monitor pass after the lapses' });
    for (const s of sent) assert.equal(chat.of('chat:done', (p) => p.subtask_id === s.subtask_id).length, 1);
    assert.equal(afterDoomed[0] + afterDoomed[1] - before, 3);
    const after = await claimedBy();
    assert.equal(after[0] + after[1] - before, 3 + sentinels, 'a lapse was claimed twice');
  });

  it('keeps sending an unacknowledged task:execute when the node that dispatched it dies', async () => {
    const device = await TestDevice.connect({ url: b.url, token: alice.token, deviceId: 'orphaned-dispatch', ackMode: 'withhold' });
    const chat = await TestChat.connect({ url: a.url, token: alice.token });
    open.push(device, chat);
    const sent = await chat.sendOk({ device_id: 'orphaned-dispatch', message: 'dispatched by node A' });
    await device.waitForExecute(sent.subtask_id);
    await a.kill(); // node A held the resend loop
    device.ackMode = 'accept';
    const seen = device.executes.length;
    await waitFor(() => device.executes.length > seen && device.running.has(sent.subtask_id), { timeout: 20_000, message: 'node B resent task:execute' });
    await device.text(sent.subtask_id, 'still streamed');
    await device.complete(sent.subtask_id, { result: 'ok' });
    const chatB = await TestChat.connect({ url: b.url, token: alice.token });
    open.push(chatB);
    const resumed = await chatB.resume(sent.subtask_id, 0);
    assert.equal(resumed.done?.status, 'completed');
    await a.start();
  });
});
