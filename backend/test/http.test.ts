// The HTTP surface around the API: health, metrics, the chat page with its CSP, security headers.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis, type TestRedis } from '../../test/support/redis';
import { startBackend, createUser, FAST_TIMING, type TestBackend } from '../../test/support/backend';
import { TestChat, TestDevice, api } from '../../test/support/clients';
import { waitFor } from '../../test/support/wait';

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

describe('http: health, metrics, chat page', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let backend: TestBackend;
  let page: string;

  before(async () => {
    page = mkdtempSync(join(tmpdir(), 'wegent-page-'));
    mkdirSync(join(page, 'assets'));
    writeFileSync(join(page, 'index.html'), '<!doctype html><title>Wegent</title><script src="/assets/main.js"></script>');
    writeFileSync(join(page, 'assets', 'main.js'), 'console.log("chat")');
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
});
