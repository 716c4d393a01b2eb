// Accounts and tokens: login, sign-up switch, rate limit, API tokens (create, list, revoke), and
// every way a token can be bad — on HTTP and on both Socket.IO namespaces, at connect time and
// while connected (expiry timer, revocation).
import assert from 'node:assert/strict';
import { statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { startRedis, type TestRedis } from '../../test/support/redis';
import { startBackend, createUser, issueToken, FAST_TIMING, TEST_JWT_SECRET, type TestBackend, type TestUser } from '../../test/support/backend';
import { TestChat, TestDevice, api, connectSocket, type ConnectError } from '../../test/support/clients';
import { waitFor } from '../../test/support/wait';

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('auth: accounts, tokens and their enforcement', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let backend: TestBackend;
  let alice: TestUser;
  let bob: TestUser;
  const open: { close(): void }[] = [];

  before(async () => {
    redis = await startRedis();
    backend = await startBackend({ redisUrl: redis.url, env: { ...FAST_TIMING, WEGENT_LOGIN_ATTEMPTS_PER_MINUTE: '3' } });
    [alice, bob] = await Promise.all([createUser(backend, { username: 'alice' }), createUser(backend, { username: 'bob' })]);
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  after(async () => {
    await backend?.stop();
    await redis?.stop();
  });

  function badTokens() {
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: alice.userId, jti: 't_forged' };
    return {
      AUTH_MISSING: [undefined],
      AUTH_INVALID: [
        'not-a-jwt',
        jwt.sign(claims, 'another-secret-that-is-long-enough-0123456789', { algorithm: 'HS256', expiresIn: 3600 }),
        `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, exp: now + 3600 })}.`,
        jwt.sign(claims, TEST_JWT_SECRET, { algorithm: 'HS512', expiresIn: 3600 }),
        jwt.sign(claims, TEST_JWT_SECRET, { algorithm: 'HS256', expiresIn: 3600 }), // right secret, no record
      ],
      AUTH_EXPIRED: [jwt.sign({ ...claims, exp: now - 10 }, TEST_JWT_SECRET, { algorithm: 'HS256' })],
    } as Record<string, (string | undefined)[]>;
  }

  it('refuses missing, forged, alg:none, wrong-algorithm, unknown and expired tokens over HTTP', async () => {
    for (const [code, tokens] of Object.entries(badTokens())) {
      for (const token of tokens) {
        const res = await api(backend.url, 'GET', '/api/me', { token });
        assert.equal(res.status, 401, `${code} ${token}`);
        assert.equal(res.body.error.code, code, `token ${token}`);
        assert.ok(res.body.error.message.length > 10);
      }
    }
    const ok = await api(backend.url, 'GET', '/api/me', { token: alice.token });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.user.username, 'alice');
    assert.equal(ok.body.user.password_hash, undefined);
  });

  it('refuses the same tokens on both socket namespaces with connect_error {code, message}', async () => {
    for (const ns of ['/local-executor', '/chat']) {
      for (const [code, tokens] of Object.entries(badTokens())) {
        for (const token of tokens) {
          const err = (await connectSocket(backend.url, ns, token, { reconnection: false }).then(
            (s) => {
              s.close();
              return null;
            },
            (e: ConnectError) => e,
          )) as ConnectError | null;
          assert.ok(err, `${ns} accepted a bad token (${code})`);
          assert.equal(err.message, code);
          assert.equal(err.data?.code, code);
          assert.ok((err.data?.message ?? '').length > 10);
        }
      }
    }
  });

  it('logs in, rate limits repeated failures, and never reveals which part was wrong', async () => {
    const good = await api(backend.url, 'POST', '/api/auth/login', { body: { username: 'bob', password: bob.password } });
    assert.equal(good.status, 200);
    assert.equal(good.body.user.username, 'bob');
    assert.ok(Date.parse(good.body.expires_at) > Date.now() + 6 * 86400_000);
    assert.equal((await api(backend.url, 'GET', '/api/me', { token: good.body.token })).status, 200);

    const wrongUser = await api(backend.url, 'POST', '/api/auth/login', { body: { username: 'nobody', password: 'whatever123' } });
    assert.equal(wrongUser.status, 401);
    assert.equal(wrongUser.body.error.code, 'AUTH_INVALID');
    const codes = [];
    for (let i = 0; i < 5; i++) {
      const r = await api(backend.url, 'POST', '/api/auth/login', { body: { username: 'alice', password: 'wrong-password' } });
      codes.push(r.body.error.code);
      if (r.status === 429) {
        // The header and the message name the same wait, and it is within the one-minute window.
        const wait = Number(r.headers.get('retry-after'));
        assert.ok(wait >= 1 && wait <= 60, `Retry-After ${r.headers.get('retry-after')}`);
        assert.match(r.body.error.message, new RegExp(`wait ${wait} s`));
      }
    }
    assert.deepEqual(codes, ['AUTH_INVALID', 'AUTH_INVALID', 'AUTH_INVALID', 'RATE_LIMITED', 'RATE_LIMITED']); // 3 failures a minute allowed here
    // even the right password waits out the limit
    const blocked = await api(backend.url, 'POST', '/api/auth/login', { body: { username: 'alice', password: alice.password } });
    assert.equal(blocked.status, 429);
    const malformed = await api(backend.url, 'POST', '/api/auth/login', { body: { username: 'alice' } });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.code, 'INVALID_PAYLOAD');
    assert.match(malformed.body.error.message, /password/);
  });

  it('answers sign-up with SIGNUP_DISABLED unless WEGENT_ALLOW_SIGNUP=1', async () => {
    const off = await api(backend.url, 'POST', '/api/auth/register', { body: { username: 'carol', password: 'long-enough' } });
    assert.equal(off.status, 403);
    assert.equal(off.body.error.code, 'SIGNUP_DISABLED');
    const open2 = await startBackend({ redisUrl: redis.url, env: { WEGENT_ALLOW_SIGNUP: '1' }, inProcess: true });
    try {
      const made = await api(open2.url, 'POST', '/api/auth/register', { body: { username: 'carol', password: 'long-enough' } });
      assert.equal(made.status, 201);
      assert.equal(made.body.user.username, 'carol');
      assert.equal(made.body.user.role, 'user');
      const dup = await api(open2.url, 'POST', '/api/auth/register', { body: { username: 'carol', password: 'long-enough' } });
      assert.equal(dup.status, 409);
      assert.equal(dup.body.error.code, 'USERNAME_TAKEN');
      const bad = await api(open2.url, 'POST', '/api/auth/register', { body: { username: 'Carol!', password: 'short' } });
      assert.equal(bad.body.error.code, 'INVALID_PAYLOAD');
      assert.match(bad.body.error.message, /username/);
      const login = await api(open2.url, 'POST', '/api/auth/login', { body: { username: 'carol', password: 'long-enough' } });
      assert.equal(login.status, 200);
    } finally {
      await open2.stop();
    }
  });

  it('creates, lists and revokes API tokens; revocation expels connected sockets at once', async () => {
    const created = await api(backend.url, 'POST', '/api/tokens', { token: alice.token, body: { name: 'laptop' } });
    assert.equal(created.status, 201);
    const { token, id } = created.body;
    assert.equal(jwt.decode(token, { complete: true })?.header.alg, 'HS256');
    assert.equal((jwt.decode(token) as jwt.JwtPayload).jti, id);
    assert.equal((jwt.decode(token) as jwt.JwtPayload).sub, alice.userId);
    const list = await api(backend.url, 'GET', '/api/tokens', { token: alice.token });
    const entry = list.body.tokens.find((t: { id: string }) => t.id === id);
    assert.equal(entry.name, 'laptop');
    assert.ok(!JSON.stringify(list.body).includes(token), 'the token itself is never listed');
    assert.equal((await api(backend.url, 'GET', '/api/tokens', { token: bob.token })).body.tokens.some((t: { id: string }) => t.id === id), false);

    const device = await TestDevice.connect({ url: backend.url, token, deviceId: 'revoke-me' });
    const chat = await TestChat.connect({ url: backend.url, token });
    open.push(device, chat);
    // bob cannot revoke alice's token
    assert.equal((await api(backend.url, 'DELETE', `/api/tokens/${id}`, { token: bob.token })).status, 404);
    assert.equal((await api(backend.url, 'DELETE', `/api/tokens/${id}`, { token: alice.token })).status, 204);
    await waitFor(() => device.authExpired.length === 1 && !device.connected, { message: 'device expelled' });
    await waitFor(() => chat.of('auth:expired').length === 1 && !chat.socket.connected, { message: 'chat expelled' });
    assert.equal(device.authExpired[0].code, 'AUTH_REVOKED');
    assert.equal(chat.of('auth:expired')[0].code, 'AUTH_REVOKED');
    const after = await api(backend.url, 'GET', '/api/me', { token });
    assert.equal(after.body.error.code, 'AUTH_REVOKED');
    const reconnect = await connectSocket(backend.url, '/chat', token, { reconnection: false }).catch((e: ConnectError) => e);
    assert.equal((reconnect as ConnectError).message, 'AUTH_REVOKED');
    // other tokens of the same user are untouched
    assert.equal((await api(backend.url, 'GET', '/api/me', { token: alice.token })).status, 200);
  });

  it('disconnects a socket with auth:expired when its token expires while connected', async () => {
    const short = await issueToken(backend, alice.userId, { ttlS: 2 });
    const device = await TestDevice.connect({ url: backend.url, token: short.token, deviceId: 'short-lived' });
    const chat = await TestChat.connect({ url: backend.url, token: short.token });
    open.push(device, chat);
    await waitFor(() => device.authExpired.length === 1 && !device.connected, { timeout: 8000, message: 'device expired' });
    await waitFor(() => chat.of('auth:expired').length === 1, { timeout: 8000, message: 'chat expired' });
    assert.equal(device.authExpired[0].code, 'AUTH_EXPIRED');
    await waitFor(() => !chat.socket.connected);
  });

  it('refuses to start with a JWT secret shorter than 32 bytes, and keeps a generated one owner-only', async () => {
    await assert.rejects(startBackend({ redisUrl: redis.url, env: { WEGENT_JWT_SECRET: 'too-short' } }), /at least 32 bytes/);
    const generated = await startBackend({ redisUrl: redis.url, env: { WEGENT_JWT_SECRET: '' } });
    try {
      const file = join(generated.env.WEGENT_DATA_DIR, 'jwt-secret');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.ok(readFileSync(file, 'utf8').trim().length >= 64);
      // tokens signed with the test secret mean nothing to it
      const res = await api(generated.url, 'GET', '/api/me', { token: alice.token });
      assert.equal(res.body.error.code, 'AUTH_INVALID');
    } finally {
      await generated.stop();
    }
  });
});
