// "Wegent: Connect Device" checks the token with GET /api/me before connecting: each way it can be
// refused (S18) becomes its own clear sentence. Against a real backend and Redis.
import * as assert from 'node:assert/strict';
import { checkToken } from '../../src/vscode/tokenCheck';
import { createUser, issueToken, startBackend, type TestBackend, type TestUser } from '../../../test/support/backend';
import { api } from '../../../test/support/clients';
import { freePort, startRedis, type TestRedis } from '../../../test/support/redis';
import { waitFor } from '../../../test/support/wait';

describe('token check before connecting (real backend)', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let closedUrl: string; // a port nothing listens on
  let backend: TestBackend;
  let alice: TestUser;

  before(async () => {
    redis = await startRedis();
    closedUrl = `http://127.0.0.1:${await freePort()}`;
    backend = await startBackend({ redisUrl: redis.url, inProcess: true });
    alice = await createUser(backend);
  });
  after(async () => {
    await backend?.stop();
    await redis?.stop();
  });

  it('accepts a valid token and names its user', async () => {
    const check = await checkToken(backend.url, alice.token);
    assert.ok(check.ok);
    assert.equal(check.user.username, alice.username);
  });

  it('refuses an unknown token as not accepted by this backend', async () => {
    const check = await checkToken(backend.url, 'eyJhbGciOiJIUzI1NiJ9.e30.bad');
    assert.ok(!check.ok);
    assert.equal(check.kind, 'auth');
    assert.equal(check.code, 'AUTH_INVALID');
    assert.match(check.message, /did not accept the API token/);
    assert.match(check.message, /Wegent: Set API Token/);
  });

  it('says a revoked token was revoked', async () => {
    const extra = await issueToken(backend, alice.userId, { name: 'to-revoke' });
    assert.equal((await api(backend.url, 'DELETE', `/api/tokens/${extra.id}`, { token: alice.token })).status, 204);
    const check = await checkToken(backend.url, extra.token);
    assert.ok(!check.ok);
    assert.equal(check.code, 'AUTH_REVOKED');
    assert.match(check.message, /revoked/);
  });

  it('says an expired token expired', async () => {
    const short = await issueToken(backend, alice.userId, { ttlS: 1 });
    const check = await waitFor(async () => {
      const c = await checkToken(backend.url, short.token);
      return !c.ok && c.code === 'AUTH_EXPIRED' ? c : undefined;
    }, { timeout: 10_000, interval: 200, message: 'token never reported expired' });
    assert.match(check.message, /has expired\. Generate a new one/);
  });

  it('tells an unreachable backend URL apart from a bad token', async () => {
    const check = await checkToken(closedUrl, alice.token);
    assert.ok(!check.ok);
    assert.equal(check.kind, 'unreachable');
    assert.ok(check.message.includes(`Cannot reach the Wegent backend at ${closedUrl} (connection refused)`), check.message);
    assert.match(check.message, /wegent\.backendUrl/);
  });

  it('tells a server that is not a Wegent backend apart from a bad token', async () => {
    const check = await checkToken(`${backend.url}/not-wegent`, alice.token);
    assert.ok(!check.ok);
    assert.notEqual(check.kind, 'auth');
  });
});
