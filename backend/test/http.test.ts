// The HTTP surface around the API: health, metrics, the chat page with its CSP, security headers.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { startRedis, type TestRedis } from '../../test/support/redis';
import { startBackend, createUser, FAST_TIMING, type TestBackend } from '../../test/support/backend';
import { TestChat, TestDevice, api } from '../../test/support/clients';
import { waitFor } from '../../test/support/wait';

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

describe('http: health, metrics, chat page', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let backend: TestBackend;
  let page: string;

  before(async () => {
    page = mkdtempSync(join(tmpdir(), 'wegent-page-'));
    mkdirSync(join(page, 'assets'));
    writeFileSync(join(page, 'index.html'), '<!doctype html><title>Wegent</title><script src="/assets/main.js"></script>');
    writeFileSync(join(page, 'assets', 'main.js'), 'console.log("chat")\n//# sourceMappingURL=main.js.map');
    writeFileSync(join(page, 'assets', 'main.js.map'), '{"version":3,"sources":["../src/secret-source.ts"]}');
    redis = await startRedis();
    backend = await startBackend({ redisUrl: redis.url, env: { ...FAST_TIMING, WEGENT_WEBVIEW_DIR: page } });
  });
  after(async () => {
    await backend?.stop();
    await redis?.stop();
    rmSync(page, { recursive: true, force: true });
  });

  it('serves the chat page and its assets with a strict CSP and security headers', async () => {
    const res = await fetch(backend.url + '/');
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<title>Wegent<\/title>/);
    assert.equal(res.headers.get('content-security-policy'), CSP);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    const js = await fetch(backend.url + '/assets/main.js');
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /javascript/);
    const traversal = await fetch(backend.url + '/assets/..%2f..%2fetc%2fpasswd');
    assert.notEqual(traversal.status, 200);
    const api404 = await api(backend.url, 'GET', '/api/unknown');
    assert.equal(api404.body.error.code, 'NOT_FOUND');
  });

  it('says how to build the page when it is not built', async () => {
    const bare = await startBackend({ redisUrl: redis.url, env: { WEGENT_WEBVIEW_DIR: join(page, 'missing') }, inProcess: true });
    try {
      const res = await fetch(bare.url + '/');
      assert.equal(res.status, 200);
      assert.match(await res.text(), /npm run build/);
    } finally {
      await bare.stop();
    }
  });

  it('exposes Prometheus metrics that move with the traffic', async () => {
    const user = await createUser(backend);
    const device = await TestDevice.connect({ url: backend.url, token: user.token, deviceId: 'm-dev' });
    const chat = await TestChat.connect({ url: backend.url, token: user.token });
    try {
      const sent = await chat.sendOk({ device_id: 'm-dev', message: 'count me' });
      await device.waitForExecute(sent.subtask_id);
      await device.text(sent.subtask_id, 'x');
      await device.complete(sent.subtask_id, {});
      await chat.waitForDone(sent.subtask_id);
      const res = await api(backend.url, 'GET', '/metrics');
      assert.equal(res.status, 200);
      const text = res.body as string;
      for (const [name, min] of [['wegent_device_sockets', 1], ['wegent_chat_sockets', 1], ['wegent_dispatches_total', 1], ['wegent_progress_events_total', 1], ['wegent_online_devices', 1]] as const) {
        const line = text.split('\n').find((l) => l.startsWith(name + ' '));
        assert.ok(line && Number(line.split(' ')[1]) >= min, `${name} in:\n${text.slice(0, 2000)}`);
      }
      assert.match(text, /wegent_queued_subtasks 0/);
      assert.match(text, /wegent_subtasks_finished_total\{status="completed"\} 1/);
      assert.ok(!text.includes(user.token));
    } finally {
      device.close();
      chat.close();
    }
  });

  it('counts queued subtasks in wegent_queued_subtasks as the queue fills and drains', async () => {
    const user = await createUser(backend);
    const device = await TestDevice.connect({ url: backend.url, token: user.token, deviceId: 'q-dev', maxSlots: 1 });
    const chat = await TestChat.connect({ url: backend.url, token: user.token });
    const queued = async () => {
      const text = (await api(backend.url, 'GET', '/metrics')).body as string;
      return Number(text.match(/^wegent_queued_subtasks (\S+)/m)?.[1]);
    };
    try {
      const sent = [];
      for (let i = 0; i < 3; i++) sent.push(await chat.sendOk({ device_id: 'q-dev', message: `queue ${i}` }));
      assert.equal(await queued(), 2, 'one running, two waiting');
      for (const [i, s] of sent.entries()) {
        await device.waitForExecute(s.subtask_id);
        await device.complete(s.subtask_id, {});
        await chat.waitForDone(s.subtask_id);
        await waitFor(async () => (await queued()) === Math.max(0, 1 - i), { message: `queue after ${i + 1} done` });
      }
      assert.equal(await queued(), 0);
    } finally {
      device.close();
      chat.close();
    }
  });

  it('reports 503 on /healthz and UNAVAILABLE on requests while Redis is down, and recovers', async () => {
    const user = await createUser(backend);
    const chat = await TestChat.connect({ url: backend.url, token: user.token });
    assert.equal((await api(backend.url, 'GET', '/healthz')).status, 200);
    await redis.kill();
    try {
      const down = await waitFor(async () => {
        const r = await api(backend.url, 'GET', '/healthz');
        return r.status === 503 ? r : null;
      }, { timeout: 10_000 });
      assert.equal(down.body.redis, 'down');
      const list = await api(backend.url, 'GET', '/api/devices', { token: user.token });
      assert.equal(list.status, 503);
      assert.equal(list.body.error.code, 'UNAVAILABLE');
      const send = await chat.send({ device_id: 'any', message: 'while down' });
      assert.equal(!send.ok && send.error.code, 'UNAVAILABLE');
    } finally {
      chat.close();
      await redis.start();
    }
    await waitFor(async () => (await api(backend.url, 'GET', '/healthz')).status === 200, { timeout: 20_000, message: 'healthy again' });
  });

  it('answers a refused static path as a missing page (or a bad encoding), never as a JSON-body error', async () => {
    for (const path of ['/assets/..%2f..%2fetc%2fpasswd', '/..%2f..%2f..%2fetc%2fhostname', '/assets/%00main.js', '/%2e%2e/%2e%2e/etc/passwd']) {
      const res = await api(backend.url, 'GET', path);
      assert.equal(res.status, 404, `${path}: ${res.status} ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'NOT_FOUND', path);
      assert.doesNotMatch(res.body.error.message, /body|JSON/, path);
    }
    const badEncoding = await api(backend.url, 'GET', '/assets/%E0%A4%A');
    assert.equal(badEncoding.status, 400);
    assert.equal(badEncoding.body.error.code, 'INVALID_PAYLOAD');
    assert.match(badEncoding.body.error.message, /percent-encoding/);
    // The body parser's own refusals still say what is wrong with the body.
    const badJson = await api(backend.url, 'POST', '/api/auth/login', { rawBody: '{"username":' });
    assert.equal(badJson.status, 400);
    assert.match(badJson.body.error.message, /valid JSON/);
  });

  it('does not serve source maps unless WEGENT_SERVE_SOURCE_MAPS=1', async () => {
    const map = await api(backend.url, 'GET', '/assets/main.js.map');
    assert.equal(map.status, 404);
    assert.equal(map.body.error.code, 'NOT_FOUND');
    assert.equal((await api(backend.url, 'GET', '/assets/MAIN.JS.MAP')).status, 404);
    const debugging = await startBackend({ redisUrl: redis.url, env: { WEGENT_WEBVIEW_DIR: page, WEGENT_SERVE_SOURCE_MAPS: '1' }, inProcess: true });
    try {
      const served = await fetch(debugging.url + '/assets/main.js.map');
      assert.equal(served.status, 200);
      assert.match(await served.text(), /secret-source/);
    } finally {
      await debugging.stop();
    }
  });

  it('serves /metrics to this machine only, or to whoever presents WEGENT_METRICS_TOKEN', async function () {
    // A request that does not come from loopback: this machine's own non-loopback address.
    const external = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    if (!external) this.skip(); // no interface but loopback: a remote peer cannot be made here
    const open = await startBackend({ redisUrl: redis.url, env: { HOST: '0.0.0.0' } });
    const metricsToken = 'scrape-secret-0123456789';
    const guarded = await startBackend({ redisUrl: redis.url, env: { HOST: '0.0.0.0', WEGENT_METRICS_TOKEN: metricsToken } });
    try {
      const remote = (b: TestBackend) => `http://${external}:${b.port}`;
      assert.equal((await api(open.url, 'GET', '/metrics')).status, 200, 'loopback is served');
      const refused = await api(remote(open), 'GET', '/metrics');
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.code, 'FORBIDDEN');
      assert.match(refused.body.error.message, /WEGENT_METRICS_TOKEN/);
      assert.equal((await api(remote(open), 'GET', '/healthz')).status, 200, 'only /metrics is guarded');

      const missing = await api(remote(guarded), 'GET', '/metrics');
      assert.equal(missing.status, 401);
      assert.equal(missing.body.error.code, 'AUTH_MISSING');
      const wrong = await api(remote(guarded), 'GET', '/metrics', { token: metricsToken + 'x' });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.error.code, 'AUTH_INVALID');
      const right = await api(remote(guarded), 'GET', '/metrics', { token: metricsToken });
      assert.equal(right.status, 200);
      assert.match(right.body as string, /wegent_device_sockets/);
      assert.equal((await api(guarded.url, 'GET', '/metrics')).status, 401, 'with a token set, loopback needs it too');
    } finally {
      await open.stop();
      await guarded.stop();
    }
  });
});
