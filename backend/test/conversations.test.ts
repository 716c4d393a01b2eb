// Deleting a conversation (docs/protocol.md "Deleting a conversation"): only the owner's, never
// while a message of it runs; every record of it leaves Redis; each device that ran it is named the
// conversation in its heartbeat acks (or, offline at the time, in its next register ack) until it
// confirms that its worktree is gone.
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { redisClient, scanKeys, startRedis, type TestRedis } from '../../test/support/redis';
import { startBackend, createUser, FAST_TIMING, type TestBackend, type TestUser } from '../../test/support/backend';
import { TestChat, TestDevice, api, request } from '../../test/support/clients';

describe('backend: deleting a conversation', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let backend: TestBackend;
  let alice: TestUser;
  let mallory: TestUser;
  const open: { close(): void }[] = [];
  let n = 0;

  /** Alice's device (no automatic heartbeats: the test sends them) and a finished conversation on it. */
  async function conversation() {
    const device = await TestDevice.connect({ url: backend.url, token: alice.token, deviceId: `del-${++n}`, heartbeat: false });
    const chat = await TestChat.connect({ url: backend.url, token: alice.token });
    open.push(device, chat);
    const sent = await chat.sendOk({ device_id: device.deviceId, message: 'change something' });
    await device.waitForExecute(sent.subtask_id);
    await device.complete(sent.subtask_id, { result: 'done' });
    await chat.waitForDone(sent.subtask_id);
    return { device, chat, sent };
  }
  const del = (taskId: string, user = alice) => api(backend.url, 'DELETE', `/api/tasks/${taskId}`, { token: user.token });
  const beat = async (device: TestDevice, forgotten?: string[]) => {
    const ack = await request(device.socket, 'device:heartbeat', { device_id: device.deviceId, running_task_ids: [], ...(forgotten ? { forgotten_task_ids: forgotten } : {}) });
    assert.ok(ack.ok, JSON.stringify(ack));
    return ack as { forget_task_ids?: string[] };
  };

  before(async () => {
    redis = await startRedis();
    backend = await startBackend({ redisUrl: redis.url, env: FAST_TIMING });
    alice = await createUser(backend);
    mallory = await createUser(backend);
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  after(async () => {
    await backend?.stop();
    await redis?.stop();
  });

  it('removes the owner\'s conversation and every record of it; another user\'s or an unknown one is 404', async () => {
    const { chat, sent, device } = await conversation();
    const more = await chat.sendOk({ device_id: device.deviceId, message: 'more', task_id: sent.task_id });
    await device.waitForExecute(more.subtask_id);
    await device.complete(more.subtask_id, { result: 'more done' });
    await chat.waitForDone(more.subtask_id);
    assert.equal((await del(sent.task_id, mallory)).status, 404);
    assert.equal((await del('task_unknown')).status, 404);
    const client = redisClient(redis.url) as Redis;
    try {
      assert.ok((await scanKeys(client, `*${sent.subtask_id}*`)).length > 0, 'the turn was stored');
      assert.equal((await del(sent.task_id)).status, 204);
      for (const id of [sent.task_id, sent.subtask_id, more.subtask_id]) assert.deepEqual(await scanKeys(client, `*${id}*`), [], `keys of ${id} remain`);
    } finally {
      client.disconnect();
    }
    const gone = await api(backend.url, 'GET', `/api/tasks/${sent.task_id}`, { token: alice.token });
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.code, 'TASK_NOT_FOUND');
    const list = await api(backend.url, 'GET', '/api/tasks', { token: alice.token });
    assert.ok(!list.body.tasks.some((t: { task_id: string }) => t.task_id === sent.task_id));
    const again = await chat.emit('chat:diff', { task_id: sent.task_id });
    assert.equal(!again.ok && again.error.code, 'TASK_NOT_FOUND');
    const followUp = await chat.send({ device_id: device.deviceId, message: 'and more', task_id: sent.task_id });
    assert.equal(!followUp.ok && followUp.error.code, 'TASK_NOT_FOUND', 'a follow-up cannot bring it back');
    assert.equal((await del(sent.task_id)).status, 404, 'deleted once');
  });

  it('is TASK_BUSY while a message of it runs, and keeps it', async () => {
    const { chat, sent, device } = await conversation();
    const next = await chat.sendOk({ device_id: device.deviceId, message: 'still going', task_id: sent.task_id });
    await device.waitForExecute(next.subtask_id);
    const busy = await del(sent.task_id);
    assert.equal(busy.status, 409);
    assert.equal(busy.body.error.code, 'TASK_BUSY');
    assert.equal((await api(backend.url, 'GET', `/api/tasks/${sent.task_id}`, { token: alice.token })).status, 200);
  });

  it('names the deleted conversation in the device\'s heartbeats until it confirms; offline, in its next register ack', async () => {
    const { device, sent } = await conversation();
    assert.equal((await beat(device)).forget_task_ids, undefined);
    assert.equal((await del(sent.task_id)).status, 204);
    assert.deepEqual((await beat(device)).forget_task_ids, [sent.task_id]);
    assert.deepEqual((await beat(device)).forget_task_ids, [sent.task_id], 'repeated until confirmed');
    assert.equal((await beat(device, [sent.task_id])).forget_task_ids, undefined, 'confirmed: no longer named');

    // Deleted while its device is away: told when it registers again.
    const second = await conversation();
    second.device.close();
    assert.equal((await del(second.sent.task_id)).status, 204);
    const back = await TestDevice.connect({ url: backend.url, token: alice.token, deviceId: second.device.deviceId, heartbeat: false });
    open.push(back);
    assert.deepEqual((back.registerAck as { forget_task_ids?: string[] }).forget_task_ids, [second.sent.task_id]);
    // Another device of the same user is not told.
    const other = await TestDevice.connect({ url: backend.url, token: alice.token, deviceId: `del-${++n}`, heartbeat: false });
    open.push(other);
    assert.equal((other.registerAck as { forget_task_ids?: string[] }).forget_task_ids, undefined);
  });
});
