// What one device or account may store and send (issue 11, items 3–5): the stored stream of a
// subtask is capped in bytes and events (LIMIT_EXCEEDED, a truncation note in the chat, the
// completion still taken), task:progress is rate limited per device (RATE_LIMITED, nothing lost when
// the same seq is resent), the Socket.IO adapter's Redis stream is bounded, chat:resume is paged,
// task:execute history is bounded by bytes, and devices, conversations, tokens and connections per
// account are capped. Small caps through the env so the tests stay small; the defaults are in
// backend/src/config.ts (DEFAULT_LIMITS) and docs/protocol.md.
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import type { ChatChunk, ChatResumeOk } from '@wegent/shared';
import { redisClient, startRedis, type TestRedis } from '../../test/support/redis';
import { startBackend, createUser, FAST_TIMING, type TestBackend, type TestUser } from '../../test/support/backend';
import { TestChat, TestDevice, api, connectSocket, type ConnectError } from '../../test/support/clients';
import { waitFor } from '../../test/support/wait';
import { keys } from '../src/store/keys';
import { Outbox } from '../../extension/src/executor/outbox';

const CAP_BYTES = 300_000;
const CAP_EVENTS = 40;
const POINTS = 30;
const PAGE_BYTES = 100_000;
const HISTORY_BYTES = 50_000;

describe('limits: what one device or account may store and send', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let client: Redis;
  let backend: TestBackend;
  const open: { close(): void }[] = [];

  before(async () => {
    redis = await startRedis();
    client = redisClient(redis.url) as Redis;
    backend = await startBackend({
      redisUrl: redis.url,
      inProcess: true,
      env: {
        ...FAST_TIMING,
        WEGENT_MAX_SUBTASK_EVENT_BYTES: String(CAP_BYTES),
        WEGENT_MAX_SUBTASK_EVENTS: String(CAP_EVENTS),
        WEGENT_PROGRESS_POINTS_PER_SECOND: String(POINTS),
        WEGENT_RESUME_PAGE_BYTES: String(PAGE_BYTES),
        WEGENT_MAX_HISTORY_BYTES: String(HISTORY_BYTES),
        WEGENT_ADAPTER_STREAM_MAXLEN: '100',
        WEGENT_MAX_DEVICES_PER_USER: '2',
        WEGENT_MAX_TASKS_PER_USER: '2',
        WEGENT_MAX_TOKENS_PER_USER: '3',
        WEGENT_MAX_SOCKETS_PER_USER: '4',
      },
    });
  });
  after(async () => {
    for (const c of open) c.close();
    client?.disconnect();
    await backend?.stop();
    await redis?.stop();
  });

  async function setup(): Promise<{ user: TestUser; device: TestDevice; chat: TestChat }> {
    const user = await createUser(backend);
    const device = await TestDevice.connect({ url: backend.url, token: user.token });
    const chat = await TestChat.connect({ url: backend.url, token: user.token });
    open.push(device, chat);
    return { user, device, chat };
  }

  async function started(device: TestDevice, chat: TestChat, message = 'go', taskId?: string) {
    const ok = await chat.sendOk({ device_id: device.deviceId, message, ...(taskId ? { task_id: taskId } : {}) });
    await device.waitForExecute(ok.subtask_id);
    return ok;
  }

  /** task:progress until acked, resending the same seq after RATE_LIMITED (as the executor's outbox does). */
  async function progressOk(device: TestDevice, subtaskId: string, events: Parameters<TestDevice['progress']>[1]) {
    return waitFor(async () => {
      const ack = await device.progress(subtaskId, events);
      if (!ack.ok && ack.error.code !== 'RATE_LIMITED') return ack;
      return ack.ok ? ack : null;
    }, { timeout: 20_000, message: 'progress kept being rate limited' });
  }

  it('caps a subtask\'s stored bytes: LIMIT_EXCEEDED, a truncation note in the chat, later progress dropped, completion taken', async () => {
    const { device, chat } = await setup();
    const sent = await started(device, chat);
    const text = 'y'.repeat(20_000);
    let refused: { code: string; message: string } | undefined;
    let applied = 0;
    for (let i = 0; i < 30 && !refused; i++) {
      const ack = await progressOk(device, sent.subtask_id, [{ type: 'text', text }]);
      if (ack.ok) applied++;
      else refused = ack.error;
    }
    assert.equal(refused?.code, 'LIMIT_EXCEEDED', 'a stream past the byte cap must be refused');
    assert.match(refused!.message, /cap/);
    assert.ok(applied * 20_000 <= CAP_BYTES, `${applied} chunks of 20 000 bytes were stored, past the ${CAP_BYTES} cap`);
    const cutSeq = applied + 1;
    // The chat sees a note at the refused seq: the stream does not just stop.
    const note = await chat.waitForEvent<ChatChunk>('chat:chunk', (c) => c.subtask_id === sent.subtask_id && c.seq === cutSeq);
    assert.equal(note.events[0].type, 'status');
    assert.match((note.events[0] as { text: string }).text, /Output truncated/);
    // Later progress is acked and dropped (an outbox drains), not stored.
    const later = await device.emit('task:progress', { subtask_id: sent.subtask_id, seq: cutSeq + 1, events: [{ type: 'text', text }] });
    assert.deepEqual(later, { ok: true, truncated: true });
    assert.equal(await client.llen(keys.subtaskEvents(sent.subtask_id)), cutSeq);
    // The outcome still arrives, although the device sent more seqs than were stored.
    assert.deepEqual(await device.complete(sent.subtask_id, { result: 'the answer', last_seq: cutSeq + 1 }), { ok: true });
    const done = await chat.waitForDone(sent.subtask_id);
    assert.equal(done.status, 'completed');
    assert.equal(done.result, 'the answer');
    assert.equal(done.last_seq, cutSeq, 'chat:done names the last stored seq, so a client does not wait for dropped ones');
  });

  it('the executor\'s outbox stops sending a capped stream and still delivers the outcome', async () => {
    const { device, chat } = await setup();
    const sent = await started(device, chat);
    const progressSent: number[] = [];
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (m: string) => void warnings.push(m) };
    const outbox = new Outbox(async (event, payload) => {
      if (event === 'task:progress') progressSent.push((payload as { seq: number }).seq);
      return device.emit(event, payload).catch(() => undefined) as never;
    }, logger, 50);
    outbox.setOnline(true);
    // Status events are not merged: every push is an event; 5 per round, past the 40-event cap.
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 5; i++) outbox.push(sent.subtask_id, { type: 'status', text: `r${round} e${i}` });
      await waitFor(() => warnings.length > 0 || progressSent.length > round, { message: 'the outbox stalled' });
    }
    outbox.complete(sent.subtask_id, { status: 'completed', result: 'all done' });
    assert.equal(await outbox.whenEmpty(15_000), true, 'the outcome was delivered');
    const done = await chat.waitForDone(sent.subtask_id);
    assert.equal(done.result, 'all done');
    const cutAt = chat.chunks(sent.subtask_id).find((c) => c.events[0]?.type === 'status' && /Output truncated/.test((c.events[0] as { text: string }).text))?.seq;
    assert.ok(cutAt, 'the chat got the truncation note');
    assert.equal(Math.max(...progressSent), cutAt, 'no task:progress was sent after the cap was reached');
    assert.equal(warnings.filter((w) => /keeps no more/.test(w)).length, 1);
  });

  it('caps a subtask\'s stored events the same way', async () => {
    const { device, chat } = await setup();
    const sent = await started(device, chat);
    const five = Array.from({ length: 5 }, (_, i) => ({ type: 'status' as const, text: `line ${i}` }));
    let refused = '';
    let applied = 0;
    for (let i = 0; i < 20 && !refused; i++) {
      const ack = await progressOk(device, sent.subtask_id, five);
      if (ack.ok) applied++;
      else refused = ack.error.code;
    }
    assert.equal(refused, 'LIMIT_EXCEEDED');
    assert.equal(applied, CAP_EVENTS / 5, 'every chunk within the event cap is stored, the next is refused');
  });

  it('rate-limits task:progress per device with RATE_LIMITED; resending the same seq loses nothing', async () => {
    const { device, chat } = await setup();
    const sent = await started(device, chat);
    // A burst far past the limit, all at once (a loaded machine cannot slow it under the rate):
    // every call of it is the same next seq, so what is not refused is applied once.
    const burst = await Promise.all(Array.from({ length: 3 * POINTS }, () => device.emit('task:progress', { subtask_id: sent.subtask_id, seq: 1, events: [{ type: 'text', text: '1,' }] })));
    const limited = burst.find((a) => !a.ok)?.error;
    const burstPassed = burst.filter((a) => a.ok).length;
    assert.equal(limited?.code, 'RATE_LIMITED', 'a device sending task:progress faster than its rate must be refused');
    assert.ok(burst.every((a) => a.ok || a.error.code === 'RATE_LIMITED'));
    assert.match(limited!.message, /Resend the same seq/);
    assert.ok(burstPassed <= POINTS * 2, `${burstPassed} of ${burst.length} calls passed (limit ${POINTS}/s)`);
    // Nothing refused was applied, and the next seq goes through once the second has passed.
    const next = await waitFor(async () => {
      const ack = await device.emit('task:progress', { subtask_id: sent.subtask_id, seq: 2, events: [{ type: 'text', text: '2,' }] });
      return ack.ok || ack.error.code !== 'RATE_LIMITED' ? ack : null;
    }, { message: 'seq 2 kept being rate limited' });
    assert.equal(next.ok, true);
    const resumed = await chat.resume(sent.subtask_id, 0);
    assert.deepEqual(resumed.chunks!.map((c) => c.seq), [1, 2]);
    assert.equal(chat.text(sent.subtask_id), '1,2,', 'seq 1 was applied once, however many times it was sent');
    // A large batch costs more than a small one (one point per started 64 KiB): one of 1.9 MB uses
    // 29 of the device's 30 points, so at most one tiny call on another subtask passes after it.
    const other = await setup();
    const big = await started(other.device, other.chat, 'big');
    const small = await started(other.device, other.chat, 'small');
    const first = await other.device.progress(big.subtask_id, [{ type: 'text', text: 'z'.repeat(950_000) }, { type: 'text', text: 'z'.repeat(950_000) }]);
    assert.equal(!first.ok && first.error.code, 'LIMIT_EXCEEDED', 'past the (small) stream cap of this test, but read and counted');
    let passed = 0;
    for (let i = 0; i < POINTS; i++) {
      const ack = await other.device.progress(small.subtask_id, [{ type: 'text', text: 'tiny' }]);
      if (!ack.ok) {
        assert.equal(ack.error.code, 'RATE_LIMITED');
        break;
      }
      passed++;
    }
    assert.ok(passed <= 1, `${passed} small calls passed right after a 1.9 MB batch`);
  });

  it('rate-limits task:progress for subtasks the device does not run as well (refused ones cost their points)', async () => {
    const { device, chat } = await setup();
    const burst = await Promise.all(Array.from({ length: 3 * POINTS }, (_, i) => device.emit('task:progress', { subtask_id: `sub_00000000_${i}`, seq: 1, events: [{ type: 'text', text: 'x' }] })));
    const codes = new Set(burst.map((a) => (a.ok ? 'ok' : a.error.code)));
    assert.deepEqual([...codes].sort(), ['RATE_LIMITED', 'SUBTASK_NOT_FOUND']);
    // The device's own subtask shares that budget: refused from memory until the second has passed, then applied.
    const sent = await started(device, chat);
    const ack = await progressOk(device, sent.subtask_id, [{ type: 'text', text: 'mine' }]);
    assert.equal(ack.ok, true);
  });

  it('pages chat:resume: no answer holds more than the page budget, and the pages together hold everything', async () => {
    const { device, chat } = await setup();
    const sent = await started(device, chat);
    const n = 12;
    for (let i = 1; i <= n; i++) await progressOk(device, sent.subtask_id, [{ type: 'text', text: `${i}:`.padEnd(20_000, 'r') }]);
    assert.deepEqual(await device.complete(sent.subtask_id, { result: 'done' }), { ok: true });
    await chat.waitForDone(sent.subtask_id);

    const seqs: number[] = [];
    let after = 0;
    let pages = 0;
    let done: ChatResumeOk['done'];
    for (;;) {
      const ack = await chat.resume(sent.subtask_id, after);
      assert.equal(ack.ok, true);
      pages++;
      const bytes = Buffer.byteLength(JSON.stringify(ack.chunks));
      assert.ok(bytes <= PAGE_BYTES + 1_000, `one chat:resume answer carried ${bytes} bytes of chunks (page ${PAGE_BYTES})`);
      seqs.push(...ack.chunks!.map((c) => c.seq));
      if (!ack.more) {
        done = ack.done;
        break;
      }
      assert.equal(ack.done, undefined, 'done comes with the last page only');
      after = ack.chunks![ack.chunks!.length - 1].seq;
    }
    assert.ok(pages >= 3, `a ${n * 20} KB stream came in ${pages} page(s)`);
    assert.deepEqual(seqs, Array.from({ length: n }, (_, i) => i + 1));
    assert.equal(done?.status, 'completed');
  });

  it('bounds task:execute.context.history by bytes, keeping the newest turns', async () => {
    const { device, chat } = await setup();
    let taskId: string | undefined;
    const results = ['first', 'second', 'third'].map((w) => `${w} `.repeat(5_000)); // 30 000 bytes each
    for (const result of results) {
      const sent = await started(device, chat, `ask for ${result.slice(0, 6)}`, taskId);
      taskId = sent.task_id;
      assert.deepEqual(await device.complete(sent.subtask_id, { result }), { ok: true });
      await chat.waitForDone(sent.subtask_id);
    }
    const next = await started(device, chat, 'and now?', taskId);
    const history = device.executes.find((e) => e.subtask_id === next.subtask_id)!.context.history ?? [];
    const bytes = Buffer.byteLength(JSON.stringify(history));
    assert.ok(bytes <= HISTORY_BYTES, `history is ${bytes} bytes, over its ${HISTORY_BYTES}-byte bound`);
    assert.equal(history[history.length - 1].text, results[2], 'the newest turn is kept whole');
    assert.ok(!history.some((h) => h.text === results[0]), 'the oldest turn is the one left out');
  });

  it('bounds the Socket.IO adapter stream in Redis (MAXLEN)', async function () {
    // On a Redis Cluster the adapter is sharded pub/sub (docs/deployment.md): no stream to bound.
    if (process.env.WEGENT_TEST_REDIS === 'cluster') this.skip();
    const nsp = backend.app!.io.of('/chat');
    for (let i = 0; i < 600; i++) nsp.to('user:nobody').emit('x', { i, pad: 'p'.repeat(1_000) });
    // The publishes are not awaited by the emitter: wait until the last one is in the stream.
    await waitFor(async () => {
      const [last] = await client.xrevrange('wg:socket.io', '+', '-', 'COUNT', 1);
      return last && last[1].join(' ').includes('"i":599');
    }, { timeout: 30_000, message: 'the last broadcast never reached the adapter stream' });
    const len = await client.xlen('wg:socket.io');
    assert.ok(len <= 250, `the adapter stream holds ${len} entries (MAXLEN 100, approximate)`);
  });

  it('keeps large broadcasts out of the adapter stream; they still reach a chat on another node', async () => {
    const second = await startBackend({ redisUrl: redis.url, inProcess: true, env: { ...FAST_TIMING, WEGENT_MAX_SUBTASK_EVENT_BYTES: String(CAP_BYTES) } });
    try {
      const user = await createUser(backend);
      const device = await TestDevice.connect({ url: backend.url, token: user.token });
      const chat = await TestChat.connect({ url: second.url, token: user.token });
      open.push(device, chat);
      const sent = await chat.sendOk({ device_id: device.deviceId, message: 'big output' });
      await device.waitForExecute(sent.subtask_id);
      const big = `${sent.subtask_id}:`.padEnd(200_000, 'b');
      await progressOk(device, sent.subtask_id, [{ type: 'text', text: big }]);
      await progressOk(device, sent.subtask_id, [{ type: 'text', text: 'small' }]);
      await waitFor(() => chat.text(sent.subtask_id) === big + 'small', { timeout: 15_000, message: 'the chat on the other node did not get both chunks' });
      const entries = await client.xrange('wg:socket.io', '-', '+');
      const largest = Math.max(...entries.map(([, fields]) => fields.join('').length));
      assert.ok(largest < 64 * 1024, `the adapter stream holds an entry of ${largest} bytes`);
      assert.ok(!entries.some(([, fields]) => fields.join('').includes(`${sent.subtask_id}:bbbb`)), 'the large chunk was copied into the adapter stream');
    } finally {
      await second.stop();
    }
  });

  it('caps devices per account (LIMIT_EXCEEDED), re-registering a known one still works', async () => {
    const user = await createUser(backend);
    const ids = ['cap-a', 'cap-b'].map((id) => `${id}-${user.userId}`);
    for (const deviceId of ids) open.push(await TestDevice.connect({ url: backend.url, token: user.token, deviceId }));
    const fourth = await TestDevice.connect({ url: backend.url, token: user.token, deviceId: `cap-c-${user.userId}`, register: false });
    open.push(fourth);
    const ack = await fourth.register();
    assert.equal(!ack.ok && ack.error.code, 'LIMIT_EXCEEDED');
    assert.match(!ack.ok ? ack.error.message : '', /Delete one/);
    const again = await TestDevice.connect({ url: backend.url, token: user.token, deviceId: ids[0] });
    open.push(again);
    assert.equal(again.registerAck?.ok, true);
    assert.equal((await api(backend.url, 'DELETE', `/api/devices/${ids[1]}`, { token: user.token })).status, 204);
    assert.equal((await fourth.register()).ok, true, 'after a deletion there is room again');
  });

  it('caps conversations per account; continuing one is always allowed', async () => {
    const { device, chat } = await setup();
    const first = await started(device, chat, 'one');
    await started(device, chat, 'two');
    const third = await chat.send({ device_id: device.deviceId, message: 'three' });
    assert.equal(!third.ok && third.error.code, 'LIMIT_EXCEEDED');
    assert.equal((await chat.send({ device_id: device.deviceId, message: 'more of one', task_id: first.task_id })).ok, true);
  });

  it('caps live tokens per account: POST /api/tokens is refused, a sign-in signs out the oldest session', async () => {
    const user = await createUser(backend); // holds one API token
    const login = async () => (await api(backend.url, 'POST', '/api/auth/login', { body: { username: user.username, password: user.password } })).body.token as string;
    const s1 = await login();
    const s2 = await login();
    const refused = await api(backend.url, 'POST', '/api/tokens', { token: user.token, body: { name: 'one too many' } });
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error.code, 'LIMIT_EXCEEDED');
    const s3 = await login();
    assert.equal((await api(backend.url, 'GET', '/api/me', { token: s1 })).body.error?.code, 'AUTH_REVOKED', 'the oldest session made room');
    for (const t of [s2, s3, user.token]) assert.equal((await api(backend.url, 'GET', '/api/me', { token: t })).status, 200);
  });

  it('caps connections per account on a node with connect_error LIMIT_EXCEEDED', async () => {
    const user = await createUser(backend);
    const chats = [];
    for (let i = 0; i < 4; i++) chats.push(await TestChat.connect({ url: backend.url, token: user.token }));
    open.push(...chats);
    const err = await connectSocket(backend.url, '/chat', user.token, { reconnection: false }).then(
      (s) => (s.close(), null),
      (e: ConnectError) => e,
    );
    assert.equal(err?.data?.code, 'LIMIT_EXCEEDED');
    chats[0].close();
    const s = await waitFor(() => connectSocket(backend.url, '/chat', user.token, { reconnection: false }).catch(() => null), { message: 'no room after a connection closed' });
    s.close();
  });
});
