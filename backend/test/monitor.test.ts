// The presence monitor when Redis fails in the middle of declaring a device offline: the lapse was
// already claimed, the device's tasks not yet failed. The claim is a lease, so the lapse comes back
// once Redis does and the tasks end failed instead of staying "running" forever.
import assert from 'node:assert/strict';
import { startRedis, type TestRedis } from '../../test/support/redis';
import { startBackend, createUser, FAST_TIMING, type TestBackend, type TestUser } from '../../test/support/backend';
import { TestChat, TestDevice } from '../../test/support/clients';
import { waitFor } from '../../test/support/wait';

describe('monitor: a lapse survives Redis failing between its claim and the failing of its tasks', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let backend: TestBackend;
  let alice: TestUser;
  const open: { close(): void }[] = [];

  before(async () => {
    redis = await startRedis({ appendonly: true });
    // In process: the test stops Redis at the one moment that matters, from inside the monitor's pass.
    backend = await startBackend({ redisUrl: redis.url, env: FAST_TIMING, inProcess: true });
    alice = await createUser(backend);
  });
  after(async () => {
    for (const c of open.splice(0)) c.close();
    await backend?.stop();
    await redis?.stop();
  });

  it('fails the device’s running and queued tasks once Redis is back', async () => {
    const device = await TestDevice.connect({ url: backend.url, token: alice.token, deviceId: 'lapse-mid-outage', maxSlots: 1 });
    const chat = await TestChat.connect({ url: backend.url, token: alice.token });
    open.push(device, chat);
    const running = await chat.sendOk({ device_id: device.deviceId, message: 'long job' });
    const queued = await chat.sendOk({ device_id: device.deviceId, message: 'waiting' });
    await device.waitForExecute(running.subtask_id);
    await waitFor(() => chat.statuses(running.subtask_id).some((s) => s.status === 'running'), { message: 'task running' });

    // The monitor claims the lapse, then Redis dies before the first task is failed.
    const failures = backend.app!.services.dispatcher;
    const failDevice = failures.failDevice.bind(failures);
    let attempt = 0;
    let failedDuringOutage = false;
    failures.failDevice = async (...args) => {
      if (++attempt === 1) {
        await redis.kill();
        try {
          return await failDevice(...args);
        } catch (err) {
          failedDuringOutage = true;
          throw err;
        }
      }
      return failDevice(...args);
    };
    device.drop();
    await waitFor(() => failedDuringOutage, { timeout: 20_000, message: 'the first attempt ran into the stopped Redis' });
    assert.equal(chat.doneFor(running.subtask_id), undefined);

    await redis.start();
    const [d1, d2] = await Promise.all([chat.waitForDone(running.subtask_id, 20_000), chat.waitForDone(queued.subtask_id, 20_000)]);
    assert.equal(d1.status, 'failed');
    assert.equal(d1.error?.code, 'DEVICE_OFFLINE');
    assert.equal(d2.status, 'failed');
    assert.equal(d2.error?.code, 'DEVICE_UNAVAILABLE');
    assert.ok(attempt >= 2, 'the lapse was claimed again after the outage');
    const resumed = await chat.resume(running.subtask_id, 0);
    assert.equal(resumed.ok && resumed.done?.status, 'failed');
  });
});
