// device_id "cloud": a shared pool of executors registered in cloud mode by an operator account.
import assert from 'node:assert/strict';
import { startRedis, type TestRedis } from '../../test/support/redis';
import { startBackend, createUser, FAST_TIMING, type TestBackend, type TestUser } from '../../test/support/backend';
import { TestChat, TestDevice, api } from '../../test/support/clients';
import { waitFor } from '../../test/support/wait';

describe('cloud: the shared executor pool', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let backend: TestBackend;
  let operator: TestUser;
  let alice: TestUser;
  let bob: TestUser;
  const open: { close(): void }[] = [];

  before(async () => {
    redis = await startRedis();
    backend = await startBackend({ redisUrl: redis.url, env: FAST_TIMING });
    [operator, alice, bob] = await Promise.all([createUser(backend, { role: 'operator' }), createUser(backend), createUser(backend)]);
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  after(async () => {
    await backend?.stop();
    await redis?.stop();
  });

  it('answers CLOUD_UNAVAILABLE when no cloud executor is online', async () => {
    const chat = await TestChat.connect({ url: backend.url, token: alice.token });
    open.push(chat);
    const ack = await chat.send({ device_id: 'cloud', message: 'anyone?' });
    assert.equal(!ack.ok && ack.error.code, 'CLOUD_UNAVAILABLE');
    // The device list tells the chat so before it sends (its picker shows Cloud unavailable).
    const listed = await api(backend.url, 'GET', '/api/devices', { token: alice.token });
    assert.deepEqual(listed.body.cloud, { available: false, executors: 0 });
  });

  it('takes a device into the pool when it registers again in cloud mode, and out when it goes back to local', async () => {
    const pool = async () => (await api(backend.url, 'GET', '/api/devices', { token: alice.token })).body.cloud;
    const device = await TestDevice.connect({ url: backend.url, token: operator.token, deviceId: 'switching', mode: 'local' });
    open.push(device);
    assert.deepEqual(await pool(), { available: false, executors: 0 });
    assert.ok((await device.register({ mode: 'cloud' })).ok);
    assert.deepEqual(await pool(), { available: true, executors: 1 });
    assert.ok((await device.register({ mode: 'local' })).ok);
    assert.deepEqual(await pool(), { available: false, executors: 0 });
    device.close();
    assert.equal((await api(backend.url, 'DELETE', '/api/devices/switching', { token: operator.token })).status, 204);
  });

  it('routes each user’s task to the pool device with most free slots, isolated per user', async () => {
    const busy = await TestDevice.connect({ url: backend.url, token: operator.token, deviceId: 'cloud-busy', mode: 'cloud', maxSlots: 5 });
    const idle = await TestDevice.connect({ url: backend.url, token: operator.token, deviceId: 'cloud-idle', mode: 'cloud', maxSlots: 5 });
    const aliceChat = await TestChat.connect({ url: backend.url, token: alice.token });
    const bobChat = await TestChat.connect({ url: backend.url, token: bob.token });
    const operatorChat = await TestChat.connect({ url: backend.url, token: operator.token });
    open.push(busy, idle, aliceChat, bobChat, operatorChat);
    assert.equal((busy.registerAck as any).device.mode, 'cloud');

    // three tasks go out; the pool balances them
    const sends = [];
    for (let i = 0; i < 3; i++) sends.push(await aliceChat.sendOk({ device_id: 'cloud', message: `alice ${i}` }));
    const bobSent = await bobChat.sendOk({ device_id: 'cloud', message: 'bob task' });
    await waitFor(() => busy.executes.length + idle.executes.length === 4);
    assert.deepEqual([busy.running.size, idle.running.size].sort(), [2, 2]);

    const bobExec = [...busy.executes, ...idle.executes].find((e) => e.subtask_id === bobSent.subtask_id)!;
    assert.equal(bobExec.context.user_id, bob.userId);
    for (const s of sends) assert.equal([...busy.executes, ...idle.executes].find((e) => e.subtask_id === s.subtask_id)!.context.user_id, alice.userId);

    const bobDevice = busy.running.has(bobSent.subtask_id) ? busy : idle;
    await bobDevice.text(bobSent.subtask_id, 'for bob only');
    await bobDevice.complete(bobSent.subtask_id, { result: 'bob result' });
    assert.equal((await bobChat.waitForDone(bobSent.subtask_id)).result, 'bob result');
    assert.equal(bobChat.text(bobSent.subtask_id), 'for bob only');
    assert.equal(bobChat.starts(bobSent.subtask_id)[0].device_id, 'cloud');
    assert.equal(aliceChat.events.some((e) => e.payload?.subtask_id === bobSent.subtask_id), false);
    assert.equal(operatorChat.events.some((e) => e.payload?.subtask_id === bobSent.subtask_id), false);

    // pool devices are the operator's, never listed for users
    const aliceDevices = await api(backend.url, 'GET', '/api/devices', { token: alice.token });
    assert.deepEqual(aliceDevices.body.devices, []);
    // Users learn only that the pool can take a message, and how many executors it has.
    assert.deepEqual(aliceDevices.body.cloud, { available: true, executors: 2 });
    const opDevices = await api(backend.url, 'GET', '/api/devices', { token: operator.token });
    assert.deepEqual(opDevices.body.devices.map((d: { device_id: string }) => d.device_id).sort(), ['cloud-busy', 'cloud-idle']);
    // and users cannot address a pool device by its id
    const direct = await aliceChat.send({ device_id: 'cloud-idle', message: 'direct' });
    assert.equal(!direct.ok && direct.error.code, 'DEVICE_NOT_FOUND');
    // the history records "cloud" as where the user sent it
    const hist = await api(backend.url, 'GET', `/api/tasks/${bobSent.task_id}`, { token: bob.token });
    assert.equal(hist.body.device_id, 'cloud');
  });
});
