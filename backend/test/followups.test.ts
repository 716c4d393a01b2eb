// A follow-up sent while a turn of its conversation runs waits behind it (queued, after_subtask_id),
// then runs on its own in the same Claude session; a queued one can be cancelled; a failed turn
// still lets the next one go; a device gone by then fails it. Own devices and the cloud pool.
import assert from 'node:assert/strict';
import { redisClient, startRedis, type TestRedis } from '../../test/support/redis';
import { keys } from '../src/store/keys';
import { startBackend, createUser, FAST_TIMING, type TestBackend, type TestUser } from '../../test/support/backend';
import { TestChat, TestDevice, api } from '../../test/support/clients';
import { waitFor } from '../../test/support/wait';

describe('follow-ups queue behind the running turn of their conversation', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let backend: TestBackend;
  let alice: TestUser;
  let operator: TestUser;
  const open: { close(): void }[] = [];
  let n = 0;

  async function pair(opts: { mode?: 'cloud' } = {}) {
    const deviceId = `fu-${++n}`;
    const device = await TestDevice.connect({ url: backend.url, token: opts.mode ? operator.token : alice.token, deviceId, ...opts });
    const chat = await TestChat.connect({ url: backend.url, token: alice.token });
    open.push(device, chat);
    return { device, chat, target: opts.mode ? 'cloud' : deviceId };
  }

  before(async () => {
    redis = await startRedis();
    backend = await startBackend({ redisUrl: redis.url, env: { ...FAST_TIMING, WEGENT_EXECUTE_ACK_TIMEOUT_MS: '300' } });
    [alice, operator] = await Promise.all([createUser(backend), createUser(backend, { role: 'operator' })]);
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  after(async () => {
    await backend?.stop();
    await redis?.stop();
  });

  for (const mode of [undefined, 'cloud'] as const) {
    it(`${mode ?? 'own device'}: queued behind the running turn, then runs in its session, in the order sent`, async () => {
      const { device, chat, target } = await pair({ mode });
      const first = await chat.sendOk({ device_id: target, message: 'one' });
      await device.waitForExecute(first.subtask_id);
      const second = await chat.sendOk({ device_id: target, message: 'two', task_id: first.task_id, model: 'claude-haiku-4-5' });
      const third = await chat.sendOk({ device_id: target, message: 'three', task_id: first.task_id });
      assert.equal(second.status, 'queued');
      assert.equal(second.after_subtask_id, first.subtask_id);
      assert.equal(second.queue_position, undefined);
      assert.equal(third.after_subtask_id, first.subtask_id);
      const start = chat.starts(second.subtask_id)[0];
      assert.equal(start.status, 'queued');
      assert.equal(start.after_subtask_id, first.subtask_id);
      assert.equal(start.model, 'claude-haiku-4-5');
      // The device has free slots, but the follow-ups wait for the conversation's turn.
      await device.text(first.subtask_id, 'working');
      assert.equal(device.executes.some((e) => e.subtask_id !== first.subtask_id), false);

      await device.complete(first.subtask_id, { result: 'did one', session_id: 'sess-1' });
      const exec2 = await device.waitForExecute(second.subtask_id);
      assert.equal(exec2.context.session_id, 'sess-1');
      assert.equal(exec2.context.model, 'claude-haiku-4-5');
      assert.deepEqual(exec2.context.history, [{ role: 'user', text: 'one' }, { role: 'assistant', text: 'did one' }]);
      await chat.waitForEvent('chat:status', (p) => p.subtask_id === second.subtask_id && p.status === 'running');
      assert.equal(device.executes.some((e) => e.subtask_id === third.subtask_id), false);

      await device.complete(second.subtask_id, { result: 'did two', session_id: 'sess-2' });
      const exec3 = await device.waitForExecute(third.subtask_id);
      assert.equal(exec3.context.session_id, 'sess-2');
      assert.equal(exec3.context.model, undefined);
      await device.complete(third.subtask_id, { result: 'did three', session_id: 'sess-2' });
      assert.equal((await chat.waitForDone(third.subtask_id)).status, 'completed');
      const detail = await api(backend.url, 'GET', `/api/tasks/${first.task_id}`, { token: alice.token });
      assert.deepEqual(detail.body.subtasks.map((s: { prompt: string; status: string }) => `${s.prompt}:${s.status}`), ['one:completed', 'two:completed', 'three:completed']);
      assert.equal(detail.body.subtasks[1].model, 'claude-haiku-4-5');
    });
  }

  it('a queued follow-up is cancelled at once; the next one still waits for the running turn', async () => {
    const { device, chat, target } = await pair();
    const first = await chat.sendOk({ device_id: target, message: 'one' });
    await device.waitForExecute(first.subtask_id);
    const second = await chat.sendOk({ device_id: target, message: 'two', task_id: first.task_id });
    const third = await chat.sendOk({ device_id: target, message: 'three', task_id: first.task_id });
    assert.deepEqual(await chat.cancel(second.subtask_id), { ok: true });
    assert.equal((await chat.waitForDone(second.subtask_id)).status, 'cancelled');
    assert.equal(device.executes.some((e) => e.subtask_id !== first.subtask_id), false);
    await device.complete(first.subtask_id, { result: 'did one', session_id: 'sess-1' });
    const exec3 = await device.waitForExecute(third.subtask_id);
    assert.equal(exec3.context.session_id, 'sess-1');
    assert.equal(device.executes.some((e) => e.subtask_id === second.subtask_id), false);
  });

  it('a failed or stopped turn lets the queued follow-up run (it was asked for); a new send after that runs at once', async () => {
    const { device, chat, target } = await pair();
    const first = await chat.sendOk({ device_id: target, message: 'one' });
    await device.waitForExecute(first.subtask_id);
    const second = await chat.sendOk({ device_id: target, message: 'two', task_id: first.task_id });
    await device.complete(first.subtask_id, { status: 'failed', error: { code: 'MODEL_ERROR', message: 'The model API failed.' }, session_id: 'sess-1' });
    assert.equal((await chat.waitForDone(first.subtask_id)).status, 'failed');
    const exec2 = await device.waitForExecute(second.subtask_id);
    assert.equal(exec2.context.session_id, 'sess-1');
    // Stop the running follow-up: the one queued behind it runs next.
    const third = await chat.sendOk({ device_id: target, message: 'three', task_id: first.task_id });
    assert.equal(third.status, 'queued');
    await chat.cancel(second.subtask_id);
    await waitFor(() => device.cancels.some((c) => c.subtask_id === second.subtask_id));
    await device.complete(second.subtask_id, { status: 'cancelled' });
    await device.waitForExecute(third.subtask_id);
    await device.complete(third.subtask_id, { result: 'ok' });
    await chat.waitForDone(third.subtask_id);
    // Nothing holds the conversation any more.
    const fourth = await chat.sendOk({ device_id: target, message: 'four', task_id: first.task_id });
    assert.equal(fourth.status, 'running');
    assert.equal(fourth.after_subtask_id, undefined);
  });

  it('a follow-up whose device went away while it waited fails in words that say so, and frees the conversation', async () => {
    const { device, chat, target } = await pair();
    const first = await chat.sendOk({ device_id: target, message: 'one' });
    await device.waitForExecute(first.subtask_id);
    const second = await chat.sendOk({ device_id: target, message: 'two', task_id: first.task_id });
    device.drop();
    // Stop acts at once on a device that lost its connection; the follow-up's device is gone too.
    await waitFor(async () => (await api(backend.url, 'GET', '/api/devices', { token: alice.token })).body.devices.some((d: { device_id: string; disconnected_at?: string }) => d.device_id === target && d.disconnected_at));
    await chat.cancel(first.subtask_id);
    const done = await chat.waitForDone(second.subtask_id);
    assert.equal(done.status, 'failed');
    assert.equal(done.error?.code, 'DEVICE_UNAVAILABLE');
    assert.match(done.error!.message, /lost its connection at .* before this message's turn came/);
  });

  it('refuses a model id that is not one (INVALID_PAYLOAD, nothing recorded)', async () => {
    const { chat, target } = await pair();
    for (const model of ['', 'a'.repeat(129), 'sonnet; rm -rf /', '-flag']) {
      const ack = await chat.send({ device_id: target, message: 'hi', model });
      assert.equal(ack.ok, false);
      assert.equal(!ack.ok && ack.error.code, 'INVALID_PAYLOAD');
    }
    assert.equal((await chat.sendOk({ device_id: target, message: 'hi', model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' })).status, 'running');
  });

  it('a conversation whose finished turn never let go (a node died between the two steps) frees itself at the next send', async () => {
    const { device, chat, target } = await pair();
    const first = await chat.sendOk({ device_id: target, message: 'one' });
    await device.waitForExecute(first.subtask_id);
    await device.complete(first.subtask_id, { result: 'did one', session_id: 'sess-1' });
    await chat.waitForDone(first.subtask_id);
    const client = redisClient(redis.url);
    try {
      await client.hset(keys.task(first.task_id), 'active_subtask_id', first.subtask_id); // what the crash left
    } finally {
      client.disconnect();
    }
    const second = await chat.sendOk({ device_id: target, message: 'two', task_id: first.task_id });
    assert.equal(second.after_subtask_id, first.subtask_id, 'it saw the stale holder');
    const exec = await device.waitForExecute(second.subtask_id);
    assert.equal(exec.context.session_id, 'sess-1');
  });
});

