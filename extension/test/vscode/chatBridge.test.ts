// The host side of the chat bridge against a real backend and Redis: it relays the webview's
// requests and allowed HTTP calls with the user's token, refuses everything else without calling
// the backend, forwards the user's pushes, and reports auth and network trouble in words.
import * as assert from 'node:assert/strict';
import type { HostToWebview, HttpReply } from '@wegent/shared';
import { ChatBridge } from '../../src/vscode/chatBridge';
import { FAST_TIMING, createUser, startBackend, type TestBackend, type TestUser } from '../../../test/support/backend';
import { TestDevice, api } from '../../../test/support/clients';
import { freePort, startRedis, type TestRedis } from '../../../test/support/redis';
import { waitFor } from '../../../test/support/wait';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

class Webview {
  readonly got: HostToWebview[] = [];
  readonly commands: string[] = [];
  token: string | undefined;
  readonly bridge: ChatBridge;
  private nextId = 1;

  constructor(backendUrl: string, token: string | undefined) {
    this.token = token;
    this.bridge = new ChatBridge({
      post: (m) => this.got.push(m),
      backendUrl: () => backendUrl,
      token: async () => this.token,
      hostInfo: (signedIn) => ({ host: 'vscode', locale: 'en', backend_url: backendUrl, signed_in: signedIn }),
      runCommand: (c) => this.commands.push(c),
      log: quiet,
    });
  }

  status() {
    return this.got.filter((m) => m.type === 'connection').at(-1) as Extract<HostToWebview, { type: 'connection' }> | undefined;
  }

  async http(method: string, path: string, body?: unknown): Promise<HttpReply<any>> {
    const id = this.nextId++;
    await this.bridge.handle({ type: 'http', id, method, path, body });
    const m = await waitFor(() => this.got.find((x) => x.type === 'httpResponse' && x.id === id), { message: `httpResponse ${id}` });
    return (m as Extract<HostToWebview, { type: 'httpResponse' }>).reply;
  }

  async upload(name: string, mediaType: string, bytes: Buffer): Promise<HttpReply<any>> {
    const id = this.nextId++;
    await this.bridge.handle({ type: 'upload', id, name, media_type: mediaType, data: bytes.toString('base64') });
    const m = await waitFor(() => this.got.find((x) => x.type === 'httpResponse' && x.id === id), { message: `httpResponse ${id}` });
    return (m as Extract<HostToWebview, { type: 'httpResponse' }>).reply;
  }

  async request(event: string, payload: unknown): Promise<any> {
    const id = this.nextId++;
    await this.bridge.handle({ type: 'request', id, event, payload });
    const m = await waitFor(() => this.got.find((x) => x.type === 'response' && x.id === id), { message: `response ${id}`, timeout: 20_000 });
    return (m as Extract<HostToWebview, { type: 'response' }>).ack;
  }

  pushes(event: string) {
    return this.got.filter((m) => m.type === 'push' && m.event === event).map((m) => (m as Extract<HostToWebview, { type: 'push' }>).payload as any);
  }
}

describe('chat bridge (host side, real backend)', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let closedUrl: string; // a port nothing listens on
  let backend: TestBackend;
  let alice: TestUser;
  let bob: TestUser;
  const open: Webview[] = [];
  const devices: TestDevice[] = [];

  const webview = async (token: string | undefined, url = backend.url) => {
    const w = new Webview(url, token);
    open.push(w);
    await w.bridge.handle({ type: 'ready' });
    return w;
  };
  const connected = async (token: string) => {
    const w = await webview(token);
    await waitFor(() => w.status()?.status === 'connected', { message: 'bridge connected', timeout: 15_000 });
    return w;
  };

  before(async () => {
    redis = await startRedis();
    closedUrl = `http://127.0.0.1:${await freePort()}`;
    backend = await startBackend({ redisUrl: redis.url, env: FAST_TIMING });
    [alice, bob] = [await createUser(backend), await createUser(backend)];
  });
  afterEach(() => {
    for (const w of open.splice(0)) w.bridge.dispose();
    for (const d of devices.splice(0)) d.close();
  });
  after(async () => {
    await backend?.stop();
    await redis?.stop();
  });

  it('answers ready with HostInfo, then connects to /chat with the token', async () => {
    const w = await connected(alice.token);
    const init = w.got.find((m) => m.type === 'init');
    assert.deepEqual(init, { type: 'init', info: { host: 'vscode', locale: 'en', backend_url: backend.url, signed_in: true } });
    assert.deepEqual(w.got.filter((m) => m.type === 'connection').map((m) => (m as { status: string }).status), ['connecting', 'connected']);
  });

  it('relays allowed HTTP calls with the Bearer token: the caller\'s devices only', async () => {
    devices.push(await TestDevice.connect({ url: backend.url, token: alice.token, deviceId: 'bridge-alice-1', name: 'Linux - alice' }));
    devices.push(await TestDevice.connect({ url: backend.url, token: bob.token, deviceId: 'bridge-bob-1', name: 'Linux - bob' }));
    const w = await connected(alice.token);
    const reply = await w.http('GET', '/api/devices');
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body.devices.map((d: { device_id: string }) => d.device_id), ['bridge-alice-1']);
    const starred = await w.http('PUT', '/api/devices/bridge-alice-1/default');
    assert.ok(starred.status >= 200 && starred.status < 300, `PUT default answered ${starred.status}`);
    const listed = await api(backend.url, 'GET', '/api/devices', { token: alice.token });
    assert.equal(listed.body.devices[0].is_default, true);
  });

  it('refuses paths outside the bridge allow-list without calling the backend (no token management from the webview)', async () => {
    const w = await connected(alice.token);
    const before = await api(backend.url, 'GET', '/api/tokens', { token: alice.token });
    for (const [method, path] of [['POST', '/api/tokens'], ['GET', '/api/tokens'], ['GET', '/api/devices/../tokens'], ['GET', 'http://evil.example/api/me'], ['GET', '/metrics']]) {
      const reply = await w.http(method, path);
      assert.equal(reply.status, 403, `${method} ${path}`);
      assert.equal(reply.body.error.code, 'FORBIDDEN');
    }
    assert.equal((await w.http('PATCH', '/api/me')).body.error.code, 'INVALID_PAYLOAD');
    const after = await api(backend.url, 'GET', '/api/tokens', { token: alice.token });
    assert.deepEqual(after.body, before.body, 'no token was created');
  });

  it('relays chat:send as an ack and forwards the streamed pushes of that task', async () => {
    const device = await TestDevice.connect({ url: backend.url, token: alice.token, deviceId: 'bridge-run-1', name: 'Linux - runner' });
    devices.push(device);
    const w = await connected(alice.token);
    const ack = await w.request('chat:send', { device_id: 'bridge-run-1', message: 'hello over the bridge' });
    assert.equal(ack.ok, true, JSON.stringify(ack));
    const exec = await device.waitForExecute(ack.subtask_id);
    await device.progress(exec.subtask_id, [{ type: 'text', text: 'streamed ' }]);
    await device.progress(exec.subtask_id, [{ type: 'text', text: 'reply' }]);
    await device.complete(exec.subtask_id, { result: 'streamed reply' });
    await waitFor(() => w.pushes('chat:done').some((d) => d.subtask_id === ack.subtask_id), { message: 'chat:done pushed', timeout: 15_000 });
    const text = w.pushes('chat:chunk').filter((c) => c.subtask_id === ack.subtask_id).flatMap((c) => c.events).map((e: { text: string }) => e.text).join('');
    assert.equal(text, 'streamed reply');
    assert.ok(w.pushes('chat:start').some((s) => s.subtask_id === ack.subtask_id));
  });

  it('answers unknown request names and bad payloads with INVALID_PAYLOAD, and another user\'s device as not found', async () => {
    devices.push(await TestDevice.connect({ url: backend.url, token: bob.token, deviceId: 'bridge-bob-2', name: 'Linux - bob' }));
    const w = await connected(alice.token);
    assert.equal((await w.request('task:progress', {})).error.code, 'INVALID_PAYLOAD');
    const bad = await w.request('chat:send', { device_id: 'bridge-bob-2' });
    assert.equal(bad.error.code, 'INVALID_PAYLOAD');
    assert.match(bad.error.message, /message/);
    assert.equal((await w.request('chat:send', { device_id: 'bridge-bob-2', message: 'hi' })).error.code, 'DEVICE_NOT_FOUND');
  });

  it('without a token: signed out with no error message (a welcome for a new user), HTTP answered AUTH_MISSING, requests UNAVAILABLE', async () => {
    const w = await webview(undefined);
    assert.equal(w.status()?.status, 'signed-out');
    assert.equal(w.status()!.message, undefined, 'nothing to show in red: nobody did anything wrong');
    assert.equal((await w.http('GET', '/api/devices')).body.error.code, 'AUTH_MISSING');
    assert.equal((await w.request('chat:send', { device_id: 'x', message: 'y' })).error.code, 'UNAVAILABLE');
  });

  it('a refused token ends as signed out with an actionable message', async () => {
    const w = await webview('not-a-token');
    await waitFor(() => w.status()?.status === 'signed-out', { message: 'signed out', timeout: 15_000 });
    assert.match(w.status()!.message!, /did not accept the API token/);
  });

  it('a token revoked while connected signs the chat out', async () => {
    const created = await api(backend.url, 'POST', '/api/tokens', { token: alice.token, body: { name: 'bridge-revoke' } });
    const w = await connected(created.body.token);
    await api(backend.url, 'DELETE', `/api/tokens/${created.body.id}`, { token: alice.token });
    await waitFor(() => w.status()?.status === 'signed-out', { message: 'signed out after revoke', timeout: 15_000 });
    assert.match(w.status()!.message!, /revoked/);
  });

  it('an unreachable backend is reported as such', async () => {
    const w = await webview(alice.token, closedUrl);
    await waitFor(() => w.status()?.status === 'disconnected', { message: 'disconnected', timeout: 15_000 });
    assert.ok(w.status()!.message!.includes(`Cannot reach the Wegent backend at ${closedUrl}`), w.status()!.message!);
    const reply = await w.http('GET', '/api/devices');
    assert.equal(reply.status, 503);
    assert.equal(reply.body.error.code, 'UNAVAILABLE');
  });

  it('relays an attachment upload as raw bytes with the token; a name cannot steer it to another route', async () => {
    const w = await webview(alice.token);
    const bytes = Buffer.from('{"a": 1}\n');
    const up = await w.upload('../../api/tokens?x=1#y', 'application/json', bytes);
    assert.equal(up.status, 201, JSON.stringify(up.body));
    assert.equal(up.body.attachment.name, 'tokens_x=1#y');
    assert.equal(up.body.attachment.size, bytes.length);
    assert.equal(up.body.attachment.media_type, 'application/json');
    const bad = await w.upload('x.svg', 'image/svg+xml', Buffer.from('<svg/>'));
    assert.equal(bad.status, 415);
    assert.equal(bad.body.error.code, 'UNSUPPORTED_TYPE');
  });

  it('passes only the four known commands to the host', async () => {
    const w = await webview(undefined);
    for (const command of ['connectDevice', 'workbench.action.terminal.new', 'showOutput']) await w.bridge.handle({ type: 'command', command });
    await w.bridge.handle(null);
    await w.bridge.handle({ nonsense: true });
    assert.deepEqual(w.commands, ['connectDevice', 'showOutput']);
  });
});
