// User isolation: another user's devices, conversations and subtasks are invisible and untouchable
// on every route and every event; pushes reach only the owner's sockets (S16).
import assert from 'node:assert/strict';
import { startRedis, type TestRedis } from '../../test/support/redis';
import { startBackend, createUser, FAST_TIMING, type TestBackend, type TestUser } from '../../test/support/backend';
import { TestChat, TestDevice, api } from '../../test/support/clients';
import { delay } from '../../test/support/wait';

describe('isolation: nothing crosses between users', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let backend: TestBackend;
  let alice: TestUser;
  let bob: TestUser;
  let aliceDevice: TestDevice;
  let aliceSecond: TestDevice;
  let bobDevice: TestDevice;
  let aliceChat: TestChat;
  let bobChat: TestChat;
  let sent: { task_id: string; subtask_id: string };

  before(async () => {
    redis = await startRedis();
    backend = await startBackend({ redisUrl: redis.url, env: FAST_TIMING });
    [alice, bob] = await Promise.all([createUser(backend), createUser(backend)]);
    aliceDevice = await TestDevice.connect({ url: backend.url, token: alice.token, deviceId: 'alice-dev' });
    aliceSecond = await TestDevice.connect({ url: backend.url, token: alice.token, deviceId: 'alice-dev-2' });
    bobDevice = await TestDevice.connect({ url: backend.url, token: bob.token, deviceId: 'bob-dev' });
    aliceChat = await TestChat.connect({ url: backend.url, token: alice.token });
    bobChat = await TestChat.connect({ url: backend.url, token: bob.token });
    sent = await aliceChat.sendOk({ device_id: 'alice-dev', message: 'secret plans' });
    await aliceDevice.waitForExecute(sent.subtask_id);
    await aliceDevice.text(sent.subtask_id, 'secret output');
  });
  after(async () => {
    for (const c of [aliceDevice, aliceSecond, bobDevice, aliceChat, bobChat]) c?.close();
    await backend?.stop();
    await redis?.stop();
  });

  it('lists only the caller’s devices and conversations', async () => {
    const devices = await api(backend.url, 'GET', '/api/devices', { token: bob.token });
    assert.deepEqual(devices.body.devices.map((d: { device_id: string }) => d.device_id), ['bob-dev']);
    const tasks = await api(backend.url, 'GET', '/api/tasks', { token: bob.token });
    assert.deepEqual(tasks.body.tasks, []);
    const detail = await api(backend.url, 'GET', `/api/tasks/${sent.task_id}`, { token: bob.token });
    assert.equal(detail.status, 404);
    assert.equal(detail.body.error.code, 'TASK_NOT_FOUND');
    assert.ok(!JSON.stringify(detail.body).includes('secret'));
  });

  it('answers another user’s device like an unknown one on delete and default', async () => {
    for (const [method, path] of [['DELETE', '/api/devices/alice-dev'], ['PUT', '/api/devices/alice-dev/default'], ['DELETE', '/api/devices/alice-dev/default']]) {
      const theirs = await api(backend.url, method, path, { token: bob.token });
      const unknown = await api(backend.url, method, path.replace('alice-dev', 'never-registered'), { token: bob.token });
      assert.equal(theirs.status, 404, `${method} ${path}`);
      assert.equal(theirs.body.error.code, 'DEVICE_NOT_FOUND');
      assert.equal(theirs.body.error.message.replace('alice-dev', 'X'), unknown.body.error.message.replace('never-registered', 'X'));
    }
    const still = await api(backend.url, 'GET', '/api/devices', { token: alice.token });
    assert.ok(still.body.devices.some((d: { device_id: string }) => d.device_id === 'alice-dev'));
  });

  it('refuses chat:send to another user’s device or conversation', async () => {
    const toDevice = await bobChat.send({ device_id: 'alice-dev', message: 'rm -rf /' });
    assert.equal(!toDevice.ok && toDevice.error.code, 'DEVICE_NOT_FOUND');
    const toTask = await bobChat.send({ device_id: 'bob-dev', message: 'continue', task_id: sent.task_id });
    assert.equal(!toTask.ok && toTask.error.code, 'TASK_NOT_FOUND');
    await delay(200);
    assert.equal(aliceDevice.executes.some((e) => e.prompt === 'rm -rf /'), false);
  });

  it('refuses chat:cancel and chat:resume of another user’s subtask', async () => {
    const cancel = await bobChat.cancel(sent.subtask_id);
    assert.equal(!cancel.ok && cancel.error.code, 'SUBTASK_NOT_FOUND');
    const resume = await bobChat.resume(sent.subtask_id, 0);
    assert.equal(!resume.ok && resume.error.code, 'SUBTASK_NOT_FOUND');
    assert.equal(aliceDevice.cancels.length, 0);
  });

  it('refuses task:progress and task:complete from any device the subtask is not assigned to', async () => {
    for (const intruder of [bobDevice, aliceSecond]) {
      const p = await intruder.progress(sent.subtask_id, [{ type: 'text', text: 'injected' }], 2);
      assert.equal(!p.ok && p.error.code, 'SUBTASK_NOT_FOUND');
      const c = await intruder.complete(sent.subtask_id, { status: 'failed', last_seq: 1 });
      assert.equal(!c.ok && c.error.code, 'SUBTASK_NOT_FOUND');
    }
    const resume = await aliceChat.resume(sent.subtask_id, 0);
    assert.equal(resume.chunks?.length, 1);
    assert.equal(resume.done, undefined);
  });

  it('reports another user’s subtask ids in a heartbeat as ones to stop, without touching them', async () => {
    const hb = await bobDevice.emit('device:heartbeat', { device_id: 'bob-dev', running_task_ids: [sent.subtask_id] });
    assert.deepEqual(hb.ok && hb.cancel_subtask_ids, [sent.subtask_id]);
    const detail = await api(backend.url, 'GET', `/api/tasks/${sent.task_id}`, { token: alice.token });
    assert.equal(detail.body.subtasks[0].status, 'running');
  });

  it('pushes chat and device events only to the owner', async () => {
    await aliceDevice.text(sent.subtask_id, ' more');
    await aliceDevice.complete(sent.subtask_id, { result: 'done' });
    await aliceChat.waitForDone(sent.subtask_id);
    await delay(200);
    const leaked = bobChat.events.filter((e) => JSON.stringify(e.payload).includes('alice-dev') || e.payload?.subtask_id === sent.subtask_id);
    assert.deepEqual(leaked, []);
    assert.ok(aliceChat.deviceStatuses('alice-dev').length > 0);
  });
});
