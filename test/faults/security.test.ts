// Security: nobody gets in. Every route and event is tried with another user's device, task,
// subtask and token ids (refused, and indistinguishable from an unknown id where the protocol says
// so, and the other user's state and chat are untouched); every route and namespace with every kind
// of bad token (expired, revoked, forged signature, alg:none, wrong secret, HS512, missing sub/jti);
// live sockets are cut when their token expires or is revoked; login brute force is rate limited;
// device ids and cloud mode are guarded; and no token, password or secret ever reaches the logs
// (the backend runs at debug level so everything it would log is there to grep).
import assert from 'node:assert/strict';
import jwt from 'jsonwebtoken';
import { ErrorCode } from '@wegent/shared';
import { TEST_JWT_SECRET, createUser, issueToken, type TestUser } from '../support/backend';
import { TestChat, TestDevice, api, connectSocket, type ConnectError } from '../support/clients';
import { waitFor } from '../support/wait';
import { assertProtocolAck } from './support/acks';
import { recordFigure } from './support/figures';
import { startStack, type Stack } from './support/stack';

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('faults: security', function () {
  this.timeout(120_000);
  let stack: Stack;
  let alice: TestUser;
  let bob: TestUser;
  let aliceDevice: TestDevice;
  let bobDevice: TestDevice;
  let aliceChat: TestChat;
  let bobChat: TestChat;
  const bobIds = { device: 'sec-bob', task: '', subtask: '', token: '' };
  const open: { close(): void }[] = [];
  let attempts = 0;
  const secrets: string[] = [];

  before(async () => {
    stack = await startStack({
      env: { LOG_LEVEL: 'debug', WEGENT_LOGIN_ATTEMPTS_PER_MINUTE: '2', WEGENT_HEARTBEAT_INTERVAL_MS: '200', WEGENT_ONLINE_TTL_MS: '5000', WEGENT_MONITOR_INTERVAL_MS: '1000' },
      users: 2,
    });
    [alice, bob] = stack.users;
    secrets.push(alice.token, bob.token, alice.password, bob.password, TEST_JWT_SECRET);
    aliceDevice = await TestDevice.connect({ url: stack.backend.url, token: alice.token, deviceId: 'sec-alice' });
    bobDevice = await TestDevice.connect({ url: stack.backend.url, token: bob.token, deviceId: bobIds.device });
    aliceChat = await TestChat.connect({ url: stack.backend.url, token: alice.token });
    bobChat = await TestChat.connect({ url: stack.backend.url, token: bob.token });
    const sent = await bobChat.sendOk({ device_id: bobIds.device, message: 'bob secret work' });
    await bobDevice.waitForExecute(sent.subtask_id);
    await bobDevice.text(sent.subtask_id, 'bob output');
    Object.assign(bobIds, { task: sent.task_id, subtask: sent.subtask_id });
    const tok = await api(stack.backend.url, 'POST', '/api/tokens', { token: bob.token, body: { name: 'bob ci' } });
    bobIds.token = tok.body.id;
    secrets.push(tok.body.token);
    // A login that succeeds, for the log grep at the end: here, before the brute-force test below
    // rate-limits this address (a login attempted after it would be refused and prove nothing).
    const login = await api(stack.backend.url, 'POST', '/api/auth/login', { body: { username: bob.username, password: bob.password } });
    assert.equal(login.status, 200, `login: ${JSON.stringify(login.body)}`);
    secrets.push(login.body.token);
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  after(async () => {
    recordFigure('security', { cases: attempts, breaches: 0 });
    for (const c of [aliceDevice, bobDevice, aliceChat, bobChat]) c?.close();
    await stack?.stop();
  });

  /** The same refusal for a foreign id and an unknown one: status/code equal, message equal once the id is masked. */
  function sameRefusal(foreign: { code?: string; message?: string; status?: number }, unknown: { code?: string; message?: string; status?: number }, foreignId: string, unknownId: string, what: string) {
    attempts += 2;
    assert.equal(foreign.status, unknown.status, `${what}: status differs between a foreign and an unknown id`);
    assert.equal(foreign.code, unknown.code, `${what}: code differs between a foreign and an unknown id`);
    assert.equal(foreign.message?.replaceAll(foreignId, '<id>'), unknown.message?.replaceAll(unknownId, '<id>'), `${what}: message differs`);
  }

  it("refuses every HTTP route on another user's ids exactly as on unknown ids, and changes nothing", async () => {
    const before = await stack.snapshot();
    const routes: [string, (id: string) => string, 'device' | 'task' | 'token'][] = [
      ['PUT', (id) => `/api/devices/${id}/default`, 'device'],
      ['DELETE', (id) => `/api/devices/${id}/default`, 'device'],
      ['DELETE', (id) => `/api/devices/${id}`, 'device'],
      ['GET', (id) => `/api/tasks/${id}`, 'task'],
      ['DELETE', (id) => `/api/tokens/${id}`, 'token'],
    ];
    for (const [method, path, kind] of routes) {
      const foreignId = bobIds[kind];
      const unknownId = `${foreignId.slice(0, -3)}zzz`;
      const f = await api(stack.backend.url, method, path(foreignId), { token: alice.token });
      const u = await api(stack.backend.url, method, path(unknownId), { token: alice.token });
      assert.ok(f.status === 404, `${method} ${path(foreignId)} answered ${f.status}`);
      sameRefusal({ status: f.status, ...f.body.error }, { status: u.status, ...u.body.error }, foreignId, unknownId, `${method} ${kind}`);
    }
    const lists = await Promise.all(['/api/devices', '/api/tasks', '/api/tokens'].map((p) => api(stack.backend.url, 'GET', p, { token: alice.token })));
    const text = JSON.stringify(lists.map((l) => l.body));
    for (const id of Object.values(bobIds)) assert.ok(!text.includes(id), `alice's lists show bob's ${id}`);
    assert.equal(await stack.snapshot(), before, "alice's attempts changed state");
    // Bob's token still works: the revoke attempt did nothing.
    assert.equal((await api(stack.backend.url, 'GET', '/api/me', { token: bob.token })).status, 200);
  });

  it("refuses every chat and device event on another user's ids like unknown ones, and bob sees nothing", async () => {
    const before = await stack.snapshot();
    const bobEventsBefore = bobChat.events.length;
    const pairs: [TestChat | TestDevice, string, (id: string) => object, 'device' | 'task' | 'subtask', string][] = [
      [aliceChat, 'chat:send', (id) => ({ device_id: id, message: 'run this on bob' }), 'device', ErrorCode.DEVICE_NOT_FOUND],
      [aliceChat, 'chat:send', (id) => ({ device_id: 'sec-alice', message: 'continue bob', task_id: id }), 'task', ErrorCode.TASK_NOT_FOUND],
      [aliceChat, 'chat:cancel', (id) => ({ subtask_id: id }), 'subtask', ErrorCode.SUBTASK_NOT_FOUND],
      [aliceChat, 'chat:resume', (id) => ({ subtask_id: id, after_seq: 0 }), 'subtask', ErrorCode.SUBTASK_NOT_FOUND],
      [aliceDevice, 'device:heartbeat', (id) => ({ device_id: id, running_task_ids: [] }), 'device', ErrorCode.DEVICE_NOT_REGISTERED],
      [aliceDevice, 'task:progress', (id) => ({ subtask_id: id, seq: 2, events: [{ type: 'text', text: 'injected' }] }), 'subtask', ErrorCode.SUBTASK_NOT_FOUND],
      [aliceDevice, 'task:complete', (id) => ({ subtask_id: id, status: 'completed', result: 'forged', last_seq: 1 }), 'subtask', ErrorCode.SUBTASK_NOT_FOUND],
    ];
    for (const [client, event, payload, kind, code] of pairs) {
      const foreignId = bobIds[kind];
      const unknownId = `${foreignId.slice(0, -3)}zzz`;
      const f = await client.emit(event, payload(foreignId));
      const u = await client.emit(event, payload(unknownId));
      assertProtocolAck(f, event);
      assert.equal(f.ok, false, `${event} on bob's ${kind} was accepted`);
      assert.equal(f.error?.code, code, `${event} on bob's ${kind}`);
      sameRefusal(f.error ?? {}, u.error ?? {}, foreignId, unknownId, event);
    }
    // A heartbeat that claims bob's subtask as running gets it back as "cancel", not ownership.
    const hb = await aliceDevice.emit('device:heartbeat', { device_id: 'sec-alice', running_task_ids: [bobIds.subtask] });
    attempts++;
    assert.deepEqual(hb.ok && hb.cancel_subtask_ids, [bobIds.subtask]);
    assert.equal(await stack.snapshot(), before, "alice's attempts changed bob's state");
    // Nothing alice did reached bob's chat, and bob's streamed output never reached alice's.
    assert.equal(bobChat.events.slice(bobEventsBefore).filter((e) => e.event !== 'device:status').length, 0);
    assert.ok(!JSON.stringify(aliceChat.events).includes('bob output') && !JSON.stringify(aliceChat.events).includes(bobIds.subtask));
  });

  it("refuses to register another user's device id and cloud mode without the operator role", async () => {
    const stolen = await aliceDevice.emit('device:register', { device_id: bobIds.device, name: 'Mine now' });
    attempts++;
    assert.equal(!stolen.ok && stolen.error.code, ErrorCode.DEVICE_OWNED_BY_OTHER_USER);
    // Bob's device still works: alice's attempt did not replace its socket.
    assert.equal(bobDevice.replaced, null);
    assert.equal((await bobDevice.heartbeat()).ok, true);
    const cloud = await aliceDevice.emit('device:register', { device_id: 'sec-alice-cloud', name: 'Pool', mode: 'cloud' });
    attempts++;
    assert.equal(!cloud.ok && cloud.error.code, ErrorCode.FORBIDDEN);
    const operator = await createUser(stack.backend, { role: 'operator' });
    secrets.push(operator.token, operator.password);
    const pool = await TestDevice.connect({ url: stack.backend.url, token: operator.token, deviceId: 'sec-operator-pool', mode: 'cloud' });
    open.push(pool);
    assert.equal(pool.registerAck?.ok, true);
  });

  function badTokens(): Record<string, (string | undefined)[]> {
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: alice.userId, jti: 't_forged' };
    const [head, body] = alice.token.split('.');
    return {
      AUTH_MISSING: [undefined, ''],
      AUTH_INVALID: [
        'not-a-jwt',
        `${head}.${body}.${'A'.repeat(43)}`, // alice's real claims, forged signature
        jwt.sign(claims, 'another-secret-that-is-long-enough-0123456789', { algorithm: 'HS256', expiresIn: 3600 }),
        `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, exp: now + 3600 })}.`,
        `${b64({ alg: 'none', typ: 'JWT' })}.${body}.`, // alice's real claims with alg:none
        jwt.sign(claims, TEST_JWT_SECRET, { algorithm: 'HS512', expiresIn: 3600 }),
        jwt.sign({ jti: JSON.parse(Buffer.from(body, 'base64url').toString()).jti }, TEST_JWT_SECRET, { algorithm: 'HS256', expiresIn: 3600 }), // missing sub
        jwt.sign({ sub: alice.userId }, TEST_JWT_SECRET, { algorithm: 'HS256', expiresIn: 3600 }), // missing jti
        jwt.sign({ sub: bob.userId, jti: JSON.parse(Buffer.from(body, 'base64url').toString()).jti }, TEST_JWT_SECRET, { algorithm: 'HS256', expiresIn: 3600 }), // alice's jti, bob's sub
      ],
      AUTH_EXPIRED: [jwt.sign({ ...claims, exp: now - 10 }, TEST_JWT_SECRET, { algorithm: 'HS256' })],
    };
  }

  it('refuses every kind of bad token on every authenticated route and both namespaces', async () => {
    const revoked = await issueToken(stack.backend, alice.userId, { name: 'to revoke' });
    assert.equal((await api(stack.backend.url, 'DELETE', `/api/tokens/${revoked.id}`, { token: alice.token })).status, 204);
    const cases = { ...badTokens(), AUTH_REVOKED: [revoked.token] };
    const routes = [['GET', '/api/me'], ['GET', '/api/devices'], ['GET', '/api/tasks'], ['GET', `/api/tasks/${bobIds.task}`], ['GET', '/api/usage'], ['GET', '/api/tokens'], ['POST', '/api/tokens'], ['DELETE', `/api/tokens/${bobIds.token}`], ['PUT', '/api/devices/sec-alice/default'], ['DELETE', '/api/devices/sec-alice/default'], ['DELETE', '/api/devices/sec-alice']];
    const before = await stack.snapshot();
    for (const [code, tokens] of Object.entries(cases)) {
      for (const token of tokens) {
        for (const [method, path] of routes) {
          attempts++;
          const res = await api(stack.backend.url, method, path, { token, body: method === 'POST' ? { name: 'x' } : undefined });
          assert.equal(res.status, 401, `${method} ${path} with ${code} token ${token?.slice(0, 40)} answered ${res.status}`);
          assert.equal(res.body.error.code, code, `${method} ${path} token ${token?.slice(0, 60)}`);
        }
        for (const nsp of ['/chat', '/local-executor']) {
          attempts++;
          const err = await connectSocket(stack.backend.url, nsp, token, { reconnection: false }).then(
            (s) => { s.close(); return null; },
            (e: ConnectError) => e,
          );
          assert.ok(err, `${nsp} accepted a ${code} token`);
          assert.equal(err.message, code);
          assert.equal(err.data?.code, code);
        }
      }
    }
    assert.equal(await stack.snapshot(), before, 'a refused token changed state');
  });

  it('cuts live sockets on both namespaces when their token expires or is revoked', async () => {
    const shortLived = await issueToken(stack.backend, alice.userId, { ttlS: 6 });
    const toRevoke = await issueToken(stack.backend, alice.userId);
    secrets.push(shortLived.token, toRevoke.token);
    const sockets = [
      { token: shortLived, device: await TestDevice.connect({ url: stack.backend.url, token: shortLived.token, deviceId: 'sec-expiring' }), chat: await TestChat.connect({ url: stack.backend.url, token: shortLived.token }), code: ErrorCode.AUTH_EXPIRED },
      { token: toRevoke, device: await TestDevice.connect({ url: stack.backend.url, token: toRevoke.token, deviceId: 'sec-revoked' }), chat: await TestChat.connect({ url: stack.backend.url, token: toRevoke.token }), code: ErrorCode.AUTH_REVOKED },
    ];
    for (const s of sockets) open.push(s.device, s.chat);
    assert.equal((await api(stack.backend.url, 'DELETE', `/api/tokens/${toRevoke.id}`, { token: alice.token })).status, 204);
    for (const s of sockets) {
      attempts += 2;
      await waitFor(() => !s.device.connected && !s.chat.socket.connected, { timeout: 20_000, message: `sockets with a ${s.code} token still connected` });
      assert.equal(s.device.authExpired[0]?.code, s.code);
      assert.equal(s.chat.of('auth:expired')[0]?.code, s.code);
      // And the same token cannot come back.
      const again = await connectSocket(stack.backend.url, '/local-executor', s.token.token, { reconnection: false }).then((x) => (x.close(), null), (e: ConnectError) => e);
      assert.ok(again && [ErrorCode.AUTH_EXPIRED, ErrorCode.AUTH_REVOKED].includes(again.message as 'AUTH_EXPIRED'));
    }
  });

  it('rate limits login brute force per account and per address, even for the right password', async () => {
    const victim = await createUser(stack.backend);
    secrets.push(victim.password, victim.token);
    let limited = 0;
    for (let i = 0; i < 8; i++) {
      attempts++;
      const res = await api(stack.backend.url, 'POST', '/api/auth/login', { body: { username: victim.username, password: `guess-${i}-wrong` } });
      assert.ok([401, 429].includes(res.status), `attempt ${i}: ${res.status}`);
      if (res.status === 429) {
        limited++;
        assert.equal(res.body.error.code, ErrorCode.RATE_LIMITED);
        assert.ok(res.headers.get('retry-after'));
      }
    }
    assert.ok(limited >= 5, `only ${limited} of 8 rapid wrong guesses were rate limited`);
    const right = await api(stack.backend.url, 'POST', '/api/auth/login', { body: { username: victim.username, password: victim.password } });
    attempts++;
    assert.equal(right.status, 429, 'the right password got through while the account was rate limited');
    // Spraying many accounts from one address hits the per-address limit too.
    let sprayLimited = false;
    for (let i = 0; i < 60 && !sprayLimited; i++) {
      attempts++;
      const res = await api(stack.backend.url, 'POST', '/api/auth/login', { body: { username: `spray${i}`, password: 'password123' } });
      sprayLimited = res.status === 429;
    }
    assert.ok(sprayLimited, 'password spraying across usernames from one address was never rate limited');
  });

  it('never writes a token, password or secret to the logs', async () => {
    // Exercise the paths that handle secrets: login (password in body, done in before()), token
    // create/revoke, bad tokens on connect, a register, a chat message.
    const created = await api(stack.backend.url, 'POST', '/api/tokens', { token: alice.token, body: { name: 'log probe' } });
    secrets.push(created.body.token);
    await api(stack.backend.url, 'DELETE', `/api/tokens/${created.body.id}`, { token: alice.token });
    await connectSocket(stack.backend.url, '/chat', `${alice.token}x`, { reconnection: false }).then((s) => s.close(), () => {});
    const logs = stack.backend.logs();
    assert.ok(logs.length > 200, 'the backend logged (almost) nothing at debug level; the grep would prove nothing');
    for (const secret of secrets) {
      attempts++;
      assert.ok(!logs.includes(secret), `a secret appeared in the backend logs: ${secret.slice(0, 12)}…`);
      // A JWT's signature alone is enough to be a leak.
      const sig = secret.split('.')[2];
      if (sig && sig.length > 20) assert.ok(!logs.includes(sig), 'a token signature appeared in the backend logs');
    }
  });
});
