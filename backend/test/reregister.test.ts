// A device registering again tells the owner's chats only what changed for them (issue 17, the
// reconnect storm): after its node restarts, every device re-registers as it was, and a
// device:status for each would be thousands of broadcasts through Redis that show nothing new.
// A chat must still hear a device that comes back from a lost connection, one renamed or resized,
// and one that was offline. Two nodes on one Redis: the chat stays on B while A restarts.
// "Not pushed" is checked against a barrier, not a clock: a device registering fresh on the same
// node afterwards is pushed through the same stream, so anything pushed before it has arrived.
import assert from 'node:assert/strict';
import { startRedis, type TestRedis } from '../../test/support/redis';
import { startBackend, createUser, type TestBackend, type TestUser } from '../../test/support/backend';
import { TestChat, TestDevice, api } from '../../test/support/clients';
import { waitFor } from '../../test/support/wait';

const TIMING = { WEGENT_HEARTBEAT_INTERVAL_MS: '300', WEGENT_ONLINE_TTL_MS: '8000', WEGENT_MONITOR_INTERVAL_MS: '1000' };

describe('re-registration: chats hear what changed, not every reconnect', function () {
  this.timeout(90_000);
  let redis: TestRedis;
  let a: TestBackend;
  let b: TestBackend;
  let alice: TestUser;
  let chat: TestChat;
  let barriers = 0;
  const open: { close(): void }[] = [];

  before(async () => {
    redis = await startRedis();
    [a, b] = await Promise.all([startBackend({ redisUrl: redis.url, env: TIMING }), startBackend({ redisUrl: redis.url, env: TIMING })]);
    alice = await createUser(a);
    chat = await TestChat.connect({ url: b.url, token: alice.token });
    open.push(chat);
  });
  after(async () => {
    for (const c of open.splice(0)) c.close();
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
  });

  /** Pushes for `deviceId` that reached the chat before a fresh device registered on node A. */
  async function pushedBefore(deviceId: string, since: number) {
    const barrier = await TestDevice.connect({ url: a.url, token: alice.token, deviceId: `barrier-${++barriers}` });
    open.push(barrier);
    await waitFor(() => chat.deviceStatuses(barrier.deviceId).length > 0, { message: 'the barrier device was never pushed' });
    return chat.deviceStatuses(deviceId).slice(since);
  }

  it('does not push a device that re-registers as it was after its node restarts; it is online all along', async () => {
    const device = await TestDevice.connect({ url: a.url, token: alice.token, deviceId: 'steady' });
    open.push(device);
    await waitFor(() => chat.deviceStatuses('steady').length === 1);
    await a.restart();
    await waitFor(() => device.registrations >= 2 && device.connected, { timeout: 20_000, message: 'the device never re-registered' });
    assert.deepEqual(await pushedBefore('steady', 1), []);
    const listed = (await api(b.url, 'GET', '/api/devices', { token: alice.token })).body.devices.find((d: { device_id: string }) => d.device_id === 'steady');
    assert.equal(listed.status, 'online');
    assert.equal(listed.disconnected_at, undefined);
  });

  it('pushes a device back from a lost connection, without the lost mark', async () => {
    const device = await TestDevice.connect({ url: a.url, token: alice.token, deviceId: 'blip' });
    open.push(device);
    await waitFor(() => chat.deviceStatuses('blip').length === 1);
    device.socket.io.engine.close(); // the transport drops, as on a network blip: no goodbye
    const lost = await waitFor(() => chat.deviceStatuses('blip').find((s) => s.disconnected_at), { message: 'the chat never heard the connection was lost' });
    assert.equal(lost.status, 'online');
    await waitFor(() => device.registrations >= 2, { timeout: 20_000, message: 'the device never re-registered' });
    const back = await waitFor(() => chat.deviceStatuses('blip').slice(2).at(-1), { message: 'the chat never heard the device is back' });
    assert.equal(back.disconnected_at, undefined);
    assert.equal(back.status, 'online');
  });

  it('pushes a re-registration with a new name or slot count, and one of a device that was offline', async () => {
    const device = await TestDevice.connect({ url: a.url, token: alice.token, deviceId: 'changing', maxSlots: 2 });
    open.push(device);
    await waitFor(() => chat.deviceStatuses('changing').length === 1);
    assert.ok((await device.register()).ok);
    assert.deepEqual(await pushedBefore('changing', 1), [], 'the same registration again is not news');
    assert.ok((await device.register({ name: 'Renamed laptop' })).ok);
    await waitFor(() => chat.deviceStatuses('changing').some((s) => s.name === 'Renamed laptop'), { message: 'the new name never reached the chat' });
    assert.ok((await device.register({ name: 'Renamed laptop', max_slots: 3 })).ok);
    await waitFor(() => chat.deviceStatuses('changing').some((s) => s.max_slots === 3), { message: 'the new slot count never reached the chat' });

    // Offline (it said goodbye with nothing running), then the same registration again: news.
    device.close();
    await waitFor(() => chat.deviceStatuses('changing').at(-1)?.status === 'offline', { message: 'the chat never heard it went offline' });
    const again = await TestDevice.connect({ url: a.url, token: alice.token, deviceId: 'changing', name: 'Renamed laptop', maxSlots: 3 });
    open.push(again);
    await waitFor(() => chat.deviceStatuses('changing').at(-1)?.status === 'online', { message: 'the chat never heard it is back online' });
  });
});
