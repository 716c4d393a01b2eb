// Change review through the backend (docs/protocol.md "Changes"): task:complete.changes stored and
// shown; chat:diff and chat:apply relayed to the device that ran the conversation and answered with
// its ack; only the owner's conversations; an offline device answered at once; apply refused while
// a message runs; the outcome of an apply or discard kept (a state and a count) and pushed; and the
// diff text never reaches Redis (watched with MONITOR on the real server), across two nodes only
// through pub/sub, which keeps nothing.
import assert from 'node:assert/strict';
import { monitorCommands, startRedis, type TestRedis } from '../../test/support/redis';
import { startBackend, createUser, FAST_TIMING, type TestBackend, type TestUser } from '../../test/support/backend';
import { TestChat, TestDevice, api } from '../../test/support/clients';
import { waitFor } from '../../test/support/wait';

const CHANGES = {
  isolation: 'worktree', branch: 'wegent/abc', base: 'a'.repeat(40), additions: 2, deletions: 1,
  files: [{ path: 'src/app.ts', status: 'modified', additions: 2, deletions: 1 }],
};

describe('backend: change review relay', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let backend: TestBackend;
  let alice: TestUser;
  let mallory: TestUser;
  const open: { close(): void }[] = [];
  let n = 0;

  /** A device of alice's that ran one conversation to completion, reporting CHANGES. */
  async function finishedConversation() {
    const deviceId = `rev-${++n}`;
    const device = await TestDevice.connect({ url: backend.url, token: alice.token, deviceId });
    const chat = await TestChat.connect({ url: backend.url, token: alice.token });
    open.push(device, chat);
    const sent = await chat.sendOk({ device_id: deviceId, message: 'change something' });
    await device.waitForExecute(sent.subtask_id);
    assert.ok((await device.complete(sent.subtask_id, { result: 'done', changes: CHANGES })).ok);
    const done = await chat.waitForDone(sent.subtask_id);
    return { device, chat, deviceId, sent, done };
  }

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

  it('keeps the reported changes with the subtask: chat:done and GET /api/tasks/:id carry them', async () => {
    const { done, sent } = await finishedConversation();
    assert.deepEqual(done.changes, CHANGES);
    const detail = await api(backend.url, 'GET', `/api/tasks/${sent.task_id}`, { token: alice.token });
    assert.deepEqual(detail.body.subtasks[0].changes, CHANGES);
  });

  it('relays chat:diff to the device and its diff back, and no diff text reaches Redis', async () => {
    const { device, chat, sent } = await finishedConversation();
    const marker = `SECRET-CODE-${Date.now()}`;
    const asked: unknown[] = [];
    device.socket.on('task:diff', (p: unknown, ack: (a: unknown) => void) => {
      asked.push(p);
      ack({ ok: true, diff: `diff --git a/src/app.ts b/src/app.ts\n+const key = "${marker}";\n`, truncated: false });
    });
    const seen: string[] = [];
    const stopMonitor = await monitorCommands(redis.url, (args) => seen.push(args.join(' ')));
    try {
      const ack = await chat.emit('chat:diff', { task_id: sent.task_id, path: 'src/app.ts' });
      assert.ok(ack.ok, JSON.stringify(ack));
      assert.match(String(ack.diff), new RegExp(marker));
      assert.equal(ack.truncated, false);
      assert.deepEqual(asked, [{ task_id: sent.task_id, path: 'src/app.ts' }]);
      // Something did reach Redis meanwhile (the monitor works), but never the diff.
      await api(backend.url, 'GET', `/api/tasks/${sent.task_id}`, { token: alice.token });
      await waitFor(() => seen.some((c) => c.includes(sent.task_id)), { message: 'the monitor saw the task read' });
      assert.ok(!seen.some((c) => c.includes(marker)), 'the diff text was sent to Redis');
    } finally {
      stopMonitor();
    }
  });

  it("another user's conversation is TASK_NOT_FOUND, like an unknown one, and never reaches the device", async () => {
    const { device, sent } = await finishedConversation();
    let reached = 0;
    device.socket.on('task:diff', () => reached++);
    device.socket.on('task:apply', () => reached++);
    const thief = await TestChat.connect({ url: backend.url, token: mallory.token });
    open.push(thief);
    for (const [event, payload] of [['chat:diff', { task_id: sent.task_id }], ['chat:apply', { task_id: sent.task_id, action: 'apply' }], ['chat:diff', { task_id: 'task_unknown' }]] as const) {
      const ack = await thief.emit(event, payload);
      assert.ok(!ack.ok);
      assert.equal(ack.error.code, 'TASK_NOT_FOUND', event);
    }
    assert.equal(reached, 0);
  });

  it('refuses a path outside the worktree before it reaches the device', async () => {
    const { chat, sent } = await finishedConversation();
    for (const path of ['../etc/passwd', '/etc/passwd', 'a/../../b']) {
      const ack = await chat.emit('chat:diff', { task_id: sent.task_id, path });
      assert.ok(!ack.ok);
      assert.equal(ack.error.code, 'INVALID_PAYLOAD', path);
      assert.match(ack.error.message, /path/);
    }
  });

  it('an offline device is DEVICE_OFFLINE at once, not after a wait', async () => {
    const { device, chat, sent, deviceId } = await finishedConversation();
    device.close();
    const status = await chat.waitForEvent('device:status', (p) => p.device_id === deviceId && p.status === 'offline');
    assert.equal(status.status, 'offline');
    // Well inside the device request timeout (30 s): the backend knows the device is gone.
    const ack = await chat.emit('chat:diff', { task_id: sent.task_id }, 5_000);
    assert.ok(!ack.ok);
    assert.equal(ack.error.code, 'DEVICE_OFFLINE');
    const apply = await chat.emit('chat:apply', { task_id: sent.task_id, action: 'discard' }, 5_000);
    assert.equal(!apply.ok && apply.error.code, 'DEVICE_OFFLINE');
  });

  it('apply while a message of the conversation runs is TASK_BUSY; afterwards it is relayed with its answer', async () => {
    const { device, chat, sent } = await finishedConversation();
    const applied: unknown[] = [];
    device.socket.on('task:apply', (p: { action: string }, ack: (a: unknown) => void) => {
      applied.push(p);
      ack(p.action === 'apply' ? { ok: false, error: { code: 'CONFLICT', message: 'src/app.ts changed in your working tree.' } } : { ok: true, files: ['src/app.ts'] });
    });
    const next = await chat.sendOk({ device_id: device.deviceId, message: 'more', task_id: sent.task_id });
    await device.waitForExecute(next.subtask_id);
    const busy = await chat.emit('chat:apply', { task_id: sent.task_id, action: 'apply' });
    assert.equal(!busy.ok && busy.error.code, 'TASK_BUSY');
    assert.equal(applied.length, 0);
    await device.complete(next.subtask_id, { changes: CHANGES });
    await chat.waitForDone(next.subtask_id);
    const conflict = await chat.emit('chat:apply', { task_id: sent.task_id, action: 'apply' });
    assert.ok(!conflict.ok);
    assert.equal(conflict.error.code, 'CONFLICT');
    assert.match(conflict.error.message, /src\/app\.ts/);
    const decided = chat.waitForEvent('chat:changes_decided', (e) => e.task_id === sent.task_id);
    const discard = await chat.emit('chat:apply', { task_id: sent.task_id, action: 'discard' });
    assert.ok(discard.ok);
    assert.deepEqual(discard.files, ['src/app.ts']);
    // Kept with the latest card (the subtask that reported the changes), a state and a count only.
    const pushed = await decided;
    assert.deepEqual({ ...pushed, at: undefined }, { task_id: sent.task_id, subtask_id: next.subtask_id, state: 'discarded', files: 1, at: undefined });
    const detail = await api(backend.url, 'GET', `/api/tasks/${sent.task_id}`, { token: alice.token });
    assert.deepEqual(detail.body.subtasks.map((s: { changes_outcome?: unknown }) => s.changes_outcome), [undefined, { state: 'discarded', files: 1, at: pushed.at }]);
  });

  it('a refused apply keeps nothing: the card still waits', async () => {
    const { device, chat, sent } = await finishedConversation();
    device.socket.on('task:apply', (_p: unknown, ack: (a: unknown) => void) => ack({ ok: false, error: { code: 'CONFLICT', message: 'src/app.ts changed.' } }));
    const ack = await chat.emit('chat:apply', { task_id: sent.task_id, action: 'apply' });
    assert.equal(!ack.ok && ack.error.code, 'CONFLICT');
    const detail = await api(backend.url, 'GET', `/api/tasks/${sent.task_id}`, { token: alice.token });
    assert.equal(detail.body.subtasks[0].changes_outcome, undefined);
    assert.equal(chat.of('chat:changes_decided', (e) => e.task_id === sent.task_id).length, 0);
  });

  it('across two nodes (device on one, chat on the other) the diff is only published, never stored', async () => {
    const second = await startBackend({ redisUrl: redis.url, env: FAST_TIMING });
    try {
      const deviceId = `rev-${++n}`;
      const device = await TestDevice.connect({ url: second.url, token: alice.token, deviceId });
      const chat = await TestChat.connect({ url: backend.url, token: alice.token });
      open.push(device, chat);
      const sent = await chat.sendOk({ device_id: deviceId, message: 'change something' });
      await device.waitForExecute(sent.subtask_id);
      await device.complete(sent.subtask_id, { result: 'done', changes: CHANGES });
      await chat.waitForDone(sent.subtask_id);
      const marker = `CROSS-NODE-CODE-${Date.now()}`;
      device.socket.on('task:diff', (_p: unknown, ack: (a: unknown) => void) => ack({ ok: true, diff: `+const key = "${marker}";\n`, truncated: false }));
      const seen: string[][] = [];
      const stopMonitor = await monitorCommands(redis.url, (args) => seen.push(args));
      try {
        const ack = await chat.emit('chat:diff', { task_id: sent.task_id });
        assert.ok(ack.ok, JSON.stringify(ack));
        assert.match(String(ack.diff), new RegExp(marker));
        await waitFor(() => seen.some((c) => c.join(' ').includes(marker)), { message: 'the ack crossed the nodes through Redis' });
        const carrying = seen.filter((c) => c.join(' ').includes(marker)).map((c) => c[0].toUpperCase());
        assert.deepEqual([...new Set(carrying)].filter((cmd) => cmd !== 'PUBLISH' && cmd !== 'SPUBLISH'), [], 'the diff went into a key, a stream or a list');
      } finally {
        stopMonitor();
      }
    } finally {
      await second.stop();
    }
  });
});
