// The chat page's Controller against a real backend, through the real browser transport
// (socket.io-client + fetch). The only thing between them is a window onto the transport that can
// lose pushes in transit (what a flaky network or a node hand-over does) and hold a chat:resume
// request, so each recovery rule is exercised as a user would hit it:
//   - a chat:done that overtakes or outlives its last chunks never closes the stream early;
//   - a send whose chat:start arrived first costs no chat:resume; a lost start is caught up;
//   - a burst of gapped chunks asks chat:resume once at a time;
//   - signing out forgets the account, on screen and in saved state.
import assert from 'node:assert/strict';
import type { ChatChunk, ChatPushName, ChatRequestName } from '@wegent/shared';
import { Controller } from '../src/controller';
import { isFinalStatus } from '../src/protocol';
import type { Turn } from '../src/state';
import { BrowserTransport } from '../src/transport/browser';
import type { Transport, TransportListener } from '../src/transport/types';
import { startRedis, type TestRedis } from '../../test/support/redis';
import { startBackend, createUser, FAST_TIMING, type TestBackend, type TestUser } from '../../test/support/backend';
import { TestDevice } from '../../test/support/clients';
import { waitFor } from '../../test/support/wait';

/** sessionStorage for Node: what the browser transport keeps its session and UI state in. */
class MemoryStorage implements Storage {
  private readonly items = new Map<string, string>();
  get length() { return this.items.size; }
  clear() { this.items.clear(); }
  getItem(k: string) { return this.items.get(k) ?? null; }
  key(i: number) { return [...this.items.keys()][i] ?? null; }
  removeItem(k: string) { this.items.delete(k); }
  setItem(k: string, v: string) { this.items.set(k, String(v)); }
}

/** The browser transport with a window onto it: pushes seen and lost, requests made, resumes held. */
class WatchedTransport implements Transport {
  readonly kind = 'browser' as const;
  readonly requests: { event: ChatRequestName; payload: unknown }[] = [];
  readonly pushes: { event: ChatPushName; payload: unknown }[] = [];
  /** Pushes this returns true for are lost in transit. */
  lose: (event: ChatPushName, payload: any) => boolean = () => false;
  private resumeGate: Promise<void> | null = null;

  constructor(readonly inner: BrowserTransport) {}

  start = () => this.inner.start();
  http: Transport['http'] = (method, path, body) => this.inner.http(method, path, body);
  loadState = () => this.inner.loadState();
  saveState: Transport['saveState'] = (s) => this.inner.saveState(s);
  signIn = (u: string, p: string) => this.inner.signIn(u, p);
  signOut = () => this.inner.signOut();

  request: Transport['request'] = async (event, payload) => {
    this.requests.push({ event, payload });
    if (event === 'chat:resume' && this.resumeGate) await this.resumeGate;
    return this.inner.request(event, payload);
  };

  subscribe(listener: TransportListener): () => void {
    return this.inner.subscribe((e) => {
      if (e.type === 'push') {
        this.pushes.push({ event: e.event, payload: e.payload });
        if (this.lose(e.event, e.payload)) return;
      }
      listener(e);
    });
  }

  /** chat:resume requests wait until the returned function is called. */
  holdResumes(): () => void {
    let release!: () => void;
    this.resumeGate = new Promise((r) => (release = r));
    return () => {
      this.resumeGate = null;
      release();
    };
  }

  resumes(subtaskId: string) {
    return this.requests.filter((r) => r.event === 'chat:resume' && (r.payload as { subtask_id: string }).subtask_id === subtaskId);
  }
}

const texts = (t: Turn) => t.events.map((e) => (e.type === 'text' ? e.text : `[${e.type}]`));
const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i + 1} `);

describe('chat Controller (real backend, browser transport)', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let backend: TestBackend;
  let alice: TestUser;
  let device: TestDevice;
  const open: { controller: Controller; transport: WatchedTransport }[] = [];
  const hadNavigator = 'navigator' in globalThis;

  before(async () => {
    // The transport reads the page's language; Node 20 has no navigator.
    if (!hadNavigator) Object.defineProperty(globalThis, 'navigator', { value: { language: 'en-US' }, configurable: true });
    redis = await startRedis();
    backend = await startBackend({ redisUrl: redis.url, env: { ...FAST_TIMING } });
    alice = await createUser(backend);
    device = await TestDevice.connect({ url: backend.url, token: alice.token, deviceId: 'ctl-dev', name: 'Linux - ctl' });
  });
  afterEach(() => {
    for (const { transport } of open.splice(0)) transport.inner.signOut();
  });
  after(async () => {
    device?.close();
    await backend?.stop();
    await redis?.stop();
    if (!hadNavigator) delete (globalThis as { navigator?: unknown }).navigator;
  });

  /** A started, signed-in page with its devices loaded and `ctl-dev` picked. */
  async function page(user: TestUser = alice, storage: Storage = new MemoryStorage()) {
    const transport = new WatchedTransport(new BrowserTransport(backend.url, storage));
    const controller = new Controller(transport);
    open.push({ controller, transport });
    await controller.start();
    assert.deepEqual(await transport.signIn(user.username, user.password), { ok: true });
    await waitFor(() => controller.state.connection === 'connected' && controller.state.devicesLoaded, { message: 'page never connected' });
    if (user === alice) controller.pickDevice('ctl-dev');
    return { controller, transport, storage };
  }

  /** Sends a message from the page and returns the subtask the device was asked to run. */
  async function sendFrom(controller: Controller, message: string): Promise<string> {
    assert.equal(await controller.send(message), true);
    const subtaskId = controller.state.turns.at(-1)!.subtask_id!;
    await device.waitForExecute(subtaskId);
    return subtaskId;
  }

  /**
   * The turn the first time the page showed it final (what the user saw when the stream closed).
   * Call it before what ends the turn (device.complete): the backend pushes chat:done before it acks
   * task:complete, so the turn is usually final by the time device.complete returns, and a listener
   * added then waits for a state change that may never come.
   */
  function whenFirstFinal(controller: Controller, subtaskId: string): Promise<Turn> {
    const now = controller.state.turns.find((x) => x.subtask_id === subtaskId);
    assert.ok(!now || !isFinalStatus(now.status), `turn ${subtaskId} was final before whenFirstFinal was called: call it before ending the turn`);
    return new Promise((resolve) => {
      const stop = controller.subscribe((s) => {
        const t = s.turns.find((x) => x.subtask_id === subtaskId);
        if (t && isFinalStatus(t.status)) {
          stop();
          resolve(t);
        }
      });
    });
  }

  it('does not close a stream on a chat:done whose last chunks were lost: it resumes them first', async () => {
    const { controller, transport } = await page();
    const id = await sendFrom(controller, 'five words please');
    const final = whenFirstFinal(controller, id);
    transport.lose = (event, p: ChatChunk) => event === 'chat:chunk' && p.subtask_id === id && p.seq >= 4;
    for (const w of words(5)) await device.text(id, w);
    await device.complete(id, { result: words(5).join('') });

    const shown = await final;
    assert.deepEqual(texts(shown), words(5), 'the stream closed before its last chunks were shown');
    assert.equal(shown.status, 'completed');
    assert.deepEqual(transport.resumes(id).map((r) => r.payload), [{ subtask_id: id, after_seq: 3 }]);
  });

  it('asks no chat:resume for a send whose chat:start came before the ack, and catches up when the start was lost', async () => {
    const { controller, transport } = await page();
    const first = await sendFrom(controller, 'one');
    for (const w of words(3)) await device.text(first, w);
    const firstShown = whenFirstFinal(controller, first);
    await device.complete(first);
    assert.deepEqual(texts(await firstShown), words(3));
    assert.deepEqual(transport.resumes(first), [], 'chat:start preceded the ack: nothing to catch up');

    transport.lose = (event) => event === 'chat:start';
    const second = await sendFrom(controller, 'two');
    await waitFor(() => transport.resumes(second).length === 1, { message: 'a send whose start was lost must catch up' });
    for (const w of words(2)) await device.text(second, w);
    const secondShown = whenFirstFinal(controller, second);
    await device.complete(second);
    assert.deepEqual(texts(await secondShown), words(2));
    assert.equal(controller.state.turns.length, 2);
  });

  it('asks chat:resume once for a burst of gapped chunks (and once more after it), then shows each chunk once, in order', async () => {
    const { controller, transport } = await page();
    const id = await sendFrom(controller, 'burst');
    transport.lose = (event, p: ChatChunk) => event === 'chat:chunk' && p.subtask_id === id && p.seq === 1;
    const release = transport.holdResumes();
    for (const w of words(6)) await device.text(id, w);
    const chunksSeen = () => transport.pushes.filter((p) => p.event === 'chat:chunk' && (p.payload as ChatChunk).subtask_id === id).length;
    await waitFor(() => chunksSeen() === 6, { message: 'the page never saw the six chunks' });
    assert.equal(transport.resumes(id).length, 1, 'five gapped chunks while one resume is in flight ask once');

    release();
    await waitFor(() => controller.state.turns.at(-1)!.last_seq === 6, { message: 'the resume never filled the gap' });
    const final = whenFirstFinal(controller, id);
    await device.complete(id);
    const shown = await final;
    assert.deepEqual(texts(shown), words(6));
    assert.equal(transport.resumes(id).length, 2, 'one resume, and one more for the gaps seen while it was in flight');
  });

  it('forgets everything of the account on sign-out, on screen and in saved state; the next account sees none of it', async () => {
    const { controller, transport, storage } = await page();
    const id = await sendFrom(controller, 'private question');
    await device.text(id, 'private answer');
    const final = whenFirstFinal(controller, id);
    await device.complete(id);
    await final;
    controller.saveDraft('a half-written secret');
    assert.ok(controller.state.devices.some((d) => d.device_id === 'ctl-dev'));

    transport.signOut();
    await waitFor(() => controller.state.connection === 'signed-out', { message: 'sign-out never reached the page' });
    const s = controller.state;
    assert.deepEqual([s.turns, s.taskId, s.devices, s.history, s.pickedDeviceId, controller.draft], [[], null, [], [], null, '']);
    assert.deepEqual(transport.loadState(), { taskId: null, pickedDeviceId: null, draft: '', unsent: {} });

    const bob = await createUser(backend);
    assert.deepEqual(await transport.signIn(bob.username, bob.password), { ok: true });
    await waitFor(() => controller.state.connection === 'connected' && controller.state.devicesLoaded, { message: 'bob never connected' });
    assert.deepEqual([controller.state.devices, controller.state.turns], [[], []]);

    // A page opened later on the same storage (a reload) does not reopen alice's conversation either.
    const reloaded = await page(bob, storage);
    assert.deepEqual([reloaded.controller.state.taskId, reloaded.controller.state.turns, reloaded.controller.draft], [null, [], '']);
  });

  it('a follow-up while the reply runs is queued behind it with the model chosen, starts when the reply fails, and a retry asks for the same model', async () => {
    const { controller, transport } = await page();
    controller.setComposerModel('opus');
    const first = await sendFrom(controller, 'first');
    assert.equal(await controller.send('second'), true);
    const second = controller.state.turns.at(-1)!;
    assert.deepEqual([second.status, second.after_subtask_id, second.model], ['queued', first, 'opus']);
    await device.complete(first, { status: 'failed', error: { code: 'MODEL_ERROR', message: 'The model API failed.' } });
    const exec = await device.waitForExecute(second.subtask_id!);
    assert.equal(exec.context.model, 'opus');
    await waitFor(() => controller.state.turns.at(-1)!.status === 'running', { message: 'the queued follow-up never showed running' });
    controller.setComposerModel(null);
    await controller.retry(controller.state.turns[0].key);
    const sends = transport.requests.filter((r) => r.event === 'chat:send').map((r) => (r.payload as { model?: string }).model);
    assert.deepEqual(sends, ['opus', 'opus', 'opus'], 'the retry asked for the model the failed message had');
    await device.complete(second.subtask_id!, { result: 'ok' });
  });
});

