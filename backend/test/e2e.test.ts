// The minimal end-to-end path, on a real Redis and a real backend process, with clients written
// from docs/protocol.md: register → chat:send → task:execute → task:progress → chat:chunk →
// task:complete → chat:done, plus the history the chat page reads afterwards.
import assert from 'node:assert/strict';
import { startRedis, type TestRedis } from '../../test/support/redis';
import { startBackend, createUser, FAST_TIMING, type TestBackend, type TestUser } from '../../test/support/backend';
import { TestChat, TestDevice, api } from '../../test/support/clients';

describe('end to end: one task from chat to device and back', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let backend: TestBackend;
  let alice: TestUser;
  const cleanup: { close(): void }[] = [];

  before(async () => {
    redis = await startRedis();
    backend = await startBackend({ redisUrl: redis.url, env: { ...FAST_TIMING, LOG_LEVEL: 'debug' } });
    alice = await createUser(backend, { username: 'alice' });
  });
  afterEach(() => {
    for (const c of cleanup.splice(0)) c.close();
  });
  after(async () => {
    await backend?.stop();
    await redis?.stop();
  });

  it('streams every chunk in order to the chat and records the conversation', async () => {
    const device = await TestDevice.connect({ url: backend.url, token: alice.token, deviceId: 'alice-laptop', name: 'Linux - laptop' });
    const chat = await TestChat.connect({ url: backend.url, token: alice.token });
    cleanup.push(device, chat);
    assert.equal(device.registerAck?.ok, true);

    const sent = await chat.sendOk({ device_id: 'alice-laptop', message: 'write a haiku' });
    assert.equal(sent.status, 'running');
    const exec = await device.waitForExecute(sent.subtask_id);
    assert.equal(exec.task_id, sent.task_id);
    assert.equal(exec.prompt, 'write a haiku');

    const words = Array.from({ length: 30 }, (_, i) => `w${i} `);
    for (const w of words) assert.deepEqual(await device.text(exec.subtask_id, w), { ok: true });
    assert.deepEqual(await device.complete(exec.subtask_id, { result: words.join(''), session_id: 'sess-1' }), { ok: true });

    const done = await chat.waitForDone(sent.subtask_id);
    assert.equal(done.status, 'completed');
    assert.equal(done.result, words.join(''));
    assert.deepEqual(chat.chunks(sent.subtask_id).map((c) => c.seq), words.map((_, i) => i + 1));
    assert.equal(chat.text(sent.subtask_id), words.join(''));
    assert.equal(chat.starts(sent.subtask_id).length, 1);
    // chat:start precedes the first chunk, chat:done follows the last
    const order = chat.events.filter((e) => e.payload?.subtask_id === sent.subtask_id).map((e) => e.event);
    assert.equal(order[0], 'chat:start');
    assert.equal(order[order.length - 1], 'chat:done');

    const list = await api(backend.url, 'GET', '/api/tasks', { token: alice.token });
    assert.equal(list.status, 200);
    assert.equal(list.body.tasks[0].task_id, sent.task_id);
    assert.equal(list.body.tasks[0].status, 'completed');
    const detail = await api(backend.url, 'GET', `/api/tasks/${sent.task_id}`, { token: alice.token });
    assert.equal(detail.status, 200);
    const sub = detail.body.subtasks[0];
    assert.equal(sub.status, 'completed');
    assert.equal(sub.last_seq, 30);
    assert.equal(sub.events.length, 30);
    assert.ok(sub.started_at && sub.completed_at);

    const devices = await api(backend.url, 'GET', '/api/devices', { token: alice.token });
    assert.equal(devices.body.devices[0].device_id, 'alice-laptop');
    assert.equal(devices.body.devices[0].status, 'online');
    assert.equal(devices.body.devices[0].slots_used, 0);
  });

  it('continues a conversation with the Claude session of the previous turn', async () => {
    const device = await TestDevice.connect({ url: backend.url, token: alice.token, deviceId: 'alice-laptop' });
    const chat = await TestChat.connect({ url: backend.url, token: alice.token });
    cleanup.push(device, chat);
    const first = await chat.sendOk({ device_id: 'alice-laptop', message: 'one' });
    await device.waitForExecute(first.subtask_id);
    await device.complete(first.subtask_id, { result: 'r1', session_id: 'claude-session-42' });
    await chat.waitForDone(first.subtask_id);
    const second = await chat.sendOk({ device_id: 'alice-laptop', message: 'two', task_id: first.task_id });
    assert.equal(second.task_id, first.task_id);
    const exec = await device.waitForExecute(second.subtask_id);
    assert.equal(exec.context.session_id, 'claude-session-42');
    assert.deepEqual(exec.context.history, [{ role: 'user', text: 'one' }, { role: 'assistant', text: 'r1' }]);
    await device.complete(second.subtask_id, { result: 'r2' });
    await chat.waitForDone(second.subtask_id);
  });

  it('never writes tokens or passwords to its logs', async () => {
    const login = await api(backend.url, 'POST', '/api/auth/login', { body: { username: 'alice', password: alice.password } });
    assert.equal(login.status, 200);
    await api(backend.url, 'POST', '/api/auth/login', { body: { username: 'alice', password: 'wrong-password-xyz' } });
    await api(backend.url, 'GET', '/api/me', { token: 'garbage.token.value' });
    const logs = backend.logs();
    assert.ok(logs.includes('"level":'), 'debug logs were captured');
    for (const secret of [alice.token, login.body.token, alice.password, 'wrong-password-xyz', backend.secret]) assert.equal(logs.includes(secret), false);
  });
});
