// Malformed payloads on every client→server event: INVALID_PAYLOAD naming the field, never a crash
// or silence, and the socket stays usable afterwards.
import assert from 'node:assert/strict';
import { startRedis, type TestRedis } from '../../test/support/redis';
import { startBackend, createUser, FAST_TIMING, type TestBackend, type TestUser } from '../../test/support/backend';
import { TestChat, TestDevice, api } from '../../test/support/clients';

const NOT_OBJECTS: unknown[] = ['text', 42, null, [1, 2], true];

const DEVICE_CASES: Record<string, [payload: unknown, field: string][]> = {
  'device:register': [
    [{ name: 'x' }, 'device_id'],
    [{ device_id: 'bad id with spaces', name: 'x' }, 'device_id'],
    [{ device_id: 'a'.repeat(129), name: 'x' }, 'device_id'],
    [{ device_id: 'ok-id' }, 'name'],
    [{ device_id: 'ok-id', name: '   ' }, 'name'],
    [{ device_id: 'ok-id', name: 'x', max_slots: 0 }, 'max_slots'],
    [{ device_id: 'ok-id', name: 'x', max_slots: 2.5 }, 'max_slots'],
    [{ device_id: 'ok-id', name: 'x', mode: 'server' }, 'mode'],
    [{ device_id: 'ok-id', name: 'x', running_task_ids: 'sub_1' }, 'running_task_ids'],
  ],
  'device:heartbeat': [
    [{ device_id: 'p-dev' }, 'running_task_ids'],
    [{ running_task_ids: [] }, 'device_id'],
    [{ device_id: 'p-dev', running_task_ids: [1] }, 'running_task_ids.0'],
  ],
  'task:progress': [
    [{ seq: 1, events: [{ type: 'text', text: 'x' }] }, 'subtask_id'],
    [{ subtask_id: 's', seq: 0, events: [{ type: 'text', text: 'x' }] }, 'seq'],
    [{ subtask_id: 's', seq: '1', events: [{ type: 'text', text: 'x' }] }, 'seq'],
    [{ subtask_id: 's', seq: 1, events: [] }, 'events'],
    [{ subtask_id: 's', seq: 1, events: [{ type: 'bogus' }] }, 'events.0.type'],
    [{ subtask_id: 's', seq: 1, events: [{ type: 'tool_result', tool_use_id: 't' }] }, 'events.0.is_error'],
  ],
  'task:complete': [
    [{ status: 'completed', last_seq: 0 }, 'subtask_id'],
    [{ subtask_id: 's', status: 'done', last_seq: 0 }, 'status'],
    [{ subtask_id: 's', status: 'completed' }, 'last_seq'],
    [{ subtask_id: 's', status: 'failed', last_seq: 0, error: { code: 5 } }, 'error'],
  ],
};

const CHAT_CASES: Record<string, [payload: unknown, field: string][]> = {
  'chat:send': [
    [{ message: 'hi' }, 'device_id'],
    [{ device_id: 'p-dev' }, 'message'],
    [{ device_id: 'p-dev', message: '   ' }, 'message'],
    [{ device_id: 'p-dev', message: 'x'.repeat(100_001) }, 'message'],
    [{ device_id: 'p-dev', message: 'hi', task_id: '../../etc' }, 'task_id'],
  ],
  'chat:cancel': [[{}, 'subtask_id'], [{ subtask_id: 7 }, 'subtask_id']],
  'chat:resume': [[{ subtask_id: 's' }, 'after_seq'], [{ subtask_id: 's', after_seq: -1 }, 'after_seq']],
};

describe('payloads: malformed input on every event', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let backend: TestBackend;
  let user: TestUser;
  let device: TestDevice;
  let chat: TestChat;

  before(async () => {
    redis = await startRedis();
    backend = await startBackend({ redisUrl: redis.url, env: FAST_TIMING });
    user = await createUser(backend);
    device = await TestDevice.connect({ url: backend.url, token: user.token, deviceId: 'p-dev' });
    chat = await TestChat.connect({ url: backend.url, token: user.token });
  });
  after(async () => {
    device?.close();
    chat?.close();
    await backend?.stop();
    await redis?.stop();
  });

  async function expectInvalid(client: TestDevice | TestChat, event: string, payload: unknown, field?: string) {
    const ack = await client.emit(event, payload);
    assert.equal(ack.ok, false, `${event} accepted ${JSON.stringify(payload)?.slice(0, 80)}`);
    if (ack.ok) return;
    assert.equal(ack.error.code, 'INVALID_PAYLOAD', `${event} ${JSON.stringify(payload)?.slice(0, 80)}`);
    if (field) assert.ok(ack.error.message.includes(`"${field}`), `${event}: "${ack.error.message}" should name ${field}`);
  }

  it('answers INVALID_PAYLOAD naming the field on every device event', async () => {
    for (const [event, cases] of Object.entries(DEVICE_CASES)) {
      for (const p of NOT_OBJECTS) await expectInvalid(device, event, p);
      for (const [p, field] of cases) await expectInvalid(device, event, p, field);
    }
    // still registered and usable
    assert.equal((await device.heartbeat()).ok, true);
  });

  it('answers INVALID_PAYLOAD naming the field on every chat event', async () => {
    for (const [event, cases] of Object.entries(CHAT_CASES)) {
      for (const p of NOT_OBJECTS) await expectInvalid(chat, event, p);
      for (const [p, field] of cases) await expectInvalid(chat, event, p, field);
    }
    const ok = await chat.sendOk({ device_id: 'p-dev', message: 'still works' });
    await device.waitForExecute(ok.subtask_id);
    assert.deepEqual(await device.complete(ok.subtask_id, { result: 'fine' }), { ok: true });
  });

  it('survives events without an ack, unknown events and oversized progress', async () => {
    device.socket.emit('task:progress', { garbage: true });
    device.socket.emit('device:heartbeat');
    chat.socket.emit('chat:send', 'no ack here');
    chat.socket.emit('no:such:event', { x: 1 });
    const sent = await chat.sendOk({ device_id: 'p-dev', message: 'big' });
    await device.waitForExecute(sent.subtask_id);
    const huge = 'x'.repeat(900_000);
    const big = await device.progress(sent.subtask_id, [{ type: 'text', text: huge }, { type: 'text', text: huge }, { type: 'text', text: huge }]);
    assert.equal(!big.ok && big.error.code, 'PAYLOAD_TOO_LARGE');
    assert.deepEqual(await device.text(sent.subtask_id, 'small'), { ok: true });
    assert.equal((await api(backend.url, 'GET', '/healthz')).status, 200);
  });

  it('answers bad HTTP bodies with INVALID_PAYLOAD and unknown routes with NOT_FOUND', async () => {
    const notJson = await api(backend.url, 'POST', '/api/auth/login', { rawBody: '{"username":', headers: { 'content-type': 'application/json' } });
    assert.equal(notJson.status, 400);
    assert.equal(notJson.body.error.code, 'INVALID_PAYLOAD');
    const tokenName = await api(backend.url, 'POST', '/api/tokens', { token: user.token, body: { name: 'x'.repeat(500) } });
    assert.equal(tokenName.body.error.code, 'INVALID_PAYLOAD');
    const missing = await api(backend.url, 'GET', '/api/nothing-here', { token: user.token });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'NOT_FOUND');
  });
});
