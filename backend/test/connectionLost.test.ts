// A dead or revoked executor must not look alive (issue 18, items 6–7). When a device's socket goes
// away without a goodbye (SIGKILL, crash, network) its tasks stay reclaimable for the online TTL
// (S6), but every chat hears at once that its connection is lost and until when it may come back;
// Stop ends a task on it at once (and the device, if it returns, is told to cancel); a new message
// is refused at once in the same words; and a device whose token is revoked is offline at once.
// The TTL here is long (20 s) so nothing below can pass by waiting for it; "at once" is checked as
// "well within the TTL" (waitFor bounds, not sleeps).
import assert from 'node:assert/strict';
import { startRedis, type TestRedis } from '../../test/support/redis';
import { startBackend, createUser, issueToken, type TestBackend, type TestUser } from '../../test/support/backend';
import { TestChat, TestDevice, api } from '../../test/support/clients';
import { waitFor } from '../../test/support/wait';

const TTL_MS = 20_000;
const AT_ONCE = { timeout: 5_000 };

describe('a device whose executor is gone or revoked does not look alive', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let backend: TestBackend;
  const open: { close(): void }[] = [];

  before(async () => {
    redis = await startRedis();
    backend = await startBackend({
      redisUrl: redis.url,
      env: { WEGENT_HEARTBEAT_INTERVAL_MS: '250', WEGENT_ONLINE_TTL_MS: String(TTL_MS), WEGENT_MONITOR_INTERVAL_MS: '1000' },
    });
  });
  after(async () => {
    for (const c of open) c.close();
    await backend?.stop();
    await redis?.stop();
  });

  async function running(user: TestUser, deviceId: string) {
    const device = await TestDevice.connect({ url: backend.url, token: user.token, deviceId });
    const chat = await TestChat.connect({ url: backend.url, token: user.token });
    open.push(device, chat);
    const sent = await chat.sendOk({ device_id: deviceId, message: 'work' });
    await device.waitForExecute(sent.subtask_id);
    await waitFor(() => chat.statuses(sent.subtask_id).some((s) => s.status === 'running'), { message: 'never running' });
    return { device, chat, sent };
  }

  it('says at once that the connection is lost, with until when it may come back; Stop acts at once; a send is refused in the same words', async () => {
    const user = await createUser(backend);
    const { device, chat, sent } = await running(user, 'lost-dev');
    const before = Date.now();
    device.drop(); // no goodbye: what the backend sees of a SIGKILLed executor
    const lost = await waitFor(() => chat.deviceStatuses('lost-dev').find((e) => e.disconnected_at), { ...AT_ONCE, message: 'no device:status said the connection was lost' });
    assert.notEqual(lost.status, 'offline', 'still online for the TTL: its tasks stay reclaimable (S6)');
    const offlineAt = Date.parse(lost.offline_at!);
    assert.ok(offlineAt > before + TTL_MS / 2 && offlineAt <= Date.now() + TTL_MS, `offline_at ${lost.offline_at} is not about one TTL from now`);
    const listed = (await api(backend.url, 'GET', '/api/devices', { token: user.token })).body.devices.find((d: { device_id: string }) => d.device_id === 'lost-dev');
    assert.equal(listed.disconnected_at, lost.disconnected_at, 'GET /api/devices shows the same state');

    // A new message is refused now, not after the TTL, and says what happened.
    const refused = await chat.send({ device_id: 'lost-dev', message: 'another' });
    assert.equal(!refused.ok && refused.error.code, 'DEVICE_OFFLINE');
    assert.match(!refused.ok ? refused.error.message : '', /lost its connection at \d\d:\d\d:\d\d UTC/);

    // Stop ends the running task at once.
    assert.deepEqual(await chat.cancel(sent.subtask_id), { ok: true });
    const done = await waitFor(() => chat.doneFor(sent.subtask_id), { ...AT_ONCE, message: 'Stop did nothing while the device was gone' });
    assert.equal(done.status, 'cancelled');

    // The device comes back still running it: it is told to cancel, and it is connected again.
    const back = await TestDevice.connect({ url: backend.url, token: user.token, deviceId: 'lost-dev', runningTaskIds: [sent.subtask_id] });
    open.push(back);
    assert.deepEqual((back.registerAck as { cancel_subtask_ids?: string[] }).cancel_subtask_ids, [sent.subtask_id]);
    await waitFor(() => {
      const last = chat.deviceStatuses('lost-dev').at(-1);
      return last && !last.disconnected_at && last.status !== 'offline';
    }, { ...AT_ONCE, message: 'the device never showed as connected again' });
  });

  it('fails a lost device\'s running task at the TTL in the same words', async function () {
    // A shorter TTL for this one: the lapse is the point.
    const fast = await startBackend({ redisUrl: redis.url, env: { WEGENT_HEARTBEAT_INTERVAL_MS: '250', WEGENT_ONLINE_TTL_MS: '3000', WEGENT_MONITOR_INTERVAL_MS: '1000' } });
    try {
      const user = await createUser(fast);
      const device = await TestDevice.connect({ url: fast.url, token: user.token, deviceId: 'lapse-dev' });
      const chat = await TestChat.connect({ url: fast.url, token: user.token });
      open.push(device, chat);
      const sent = await chat.sendOk({ device_id: 'lapse-dev', message: 'work' });
      await device.waitForExecute(sent.subtask_id);
      device.drop();
      const done = await chat.waitForDone(sent.subtask_id, 20_000);
      assert.equal(done.status, 'failed');
      assert.equal(done.error?.code, 'DEVICE_OFFLINE');
      assert.match(done.error!.message, /lost its connection at \d\d:\d\d:\d\d UTC and did not come back/);
    } finally {
      await fast.stop();
    }
  });

  it('takes a device offline at once when its token is revoked', async () => {
    const user = await createUser(backend);
    const { token, id } = await issueToken(backend, user.userId, { name: 'executor' });
    const device = await TestDevice.connect({ url: backend.url, token, deviceId: 'revoked-dev' });
    const chat = await TestChat.connect({ url: backend.url, token: user.token });
    open.push(device, chat);
    assert.equal((await api(backend.url, 'DELETE', `/api/tokens/${id}`, { token: user.token })).status, 204);
    await waitFor(() => chat.deviceStatuses('revoked-dev').some((e) => e.status === 'offline'), { ...AT_ONCE, message: 'the revoked device still looks online' });
    const listed = (await api(backend.url, 'GET', '/api/devices', { token: user.token })).body.devices.find((d: { device_id: string }) => d.device_id === 'revoked-dev');
    assert.equal(listed.status, 'offline');
  });
});
