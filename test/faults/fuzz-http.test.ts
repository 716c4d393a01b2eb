// Property/fuzz run over every HTTP route: hostile path parameters (bad percent-encoding, dot
// segments, huge ids), hostile bodies (wrong types, missing and extra fields, prototype-pollution
// keys, deep nesting, invalid UTF-8 bytes, wrong content types, oversized bodies) and hostile
// Authorization headers. Every answer below 500 with a protocol {error:{code,message}} body when it
// is a refusal, no refusal changes state, and the backend stays healthy.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { api } from '../support/clients';
import { assertProtocolError, brief } from './support/acks';
import { FULL, recordFigure, scaled } from './support/figures';
import { hostileString, hostileValue } from './support/hostile';
import { rawRequest, type RawReply } from './support/rawHttp';
import { startStack, type Stack } from './support/stack';
import { TestDevice } from '../support/clients';

interface Route {
  method: string;
  path: (param: string) => string;
  /** Param values worth trying besides hostile ones (never ones whose success would break the run). */
  params: () => string[];
  body?: () => Record<string, unknown>[];
}

describe('faults: HTTP route fuzz', function () {
  this.timeout(FULL ? 1_800_000 : 180_000);
  let stack: Stack;
  let devices: TestDevice[] = [];
  let bobTokenId = '';
  let cases = 0;
  let refusals = 0;

  before(async () => {
    stack = await startStack({ env: { WEGENT_ALLOW_SIGNUP: '1', WEGENT_LOGIN_ATTEMPTS_PER_MINUTE: '5' }, users: 2 });
    const [alice, bob] = stack.users;
    devices = [
      await TestDevice.connect({ url: stack.backend.url, token: alice.token, deviceId: 'hz-alice' }),
      await TestDevice.connect({ url: stack.backend.url, token: bob.token, deviceId: 'hz-bob' }),
    ];
    const created = await api(stack.backend.url, 'POST', '/api/tokens', { token: bob.token, body: { name: 'bob second' } });
    bobTokenId = created.body.id;
  });
  after(async () => {
    recordFigure('http fuzz', { cases, refusals, crashes: 0 });
    for (const d of devices) d.close();
    await stack?.stop();
  });
  afterEach(async () => {
    await stack.assertAlive();
  });

  const none = () => [''];
  const routes: Route[] = [
    { method: 'POST', path: () => '/api/auth/register', params: none, body: () => [{ username: 'new_user', password: 'long enough pw' }] },
    { method: 'POST', path: () => '/api/auth/login', params: none, body: () => [{ username: stack.users[1].username, password: 'wrong password' }] },
    { method: 'GET', path: () => '/api/me', params: none },
    { method: 'POST', path: () => '/api/tokens', params: none, body: () => [{ name: 'fuzz token' }] },
    { method: 'GET', path: () => '/api/tokens', params: none },
    { method: 'DELETE', path: (id) => `/api/tokens/${id}`, params: () => [bobTokenId, 't_unknown'] },
    { method: 'GET', path: () => '/api/devices', params: none },
    { method: 'PUT', path: (id) => `/api/devices/${id}/default`, params: () => ['hz-alice', 'hz-bob', 'unknown'] },
    { method: 'DELETE', path: (id) => `/api/devices/${id}/default`, params: () => ['hz-alice', 'hz-bob', 'unknown'] },
    { method: 'DELETE', path: (id) => `/api/devices/${id}`, params: () => ['hz-bob', 'unknown'] },
    { method: 'GET', path: () => '/api/tasks', params: none },
    { method: 'GET', path: (id) => `/api/tasks/${id}`, params: () => ['task_unknown'] },
    { method: 'GET', path: (day) => `/api/usage?from=${day}`, params: () => ['2026-01-01', '2026-02-30', '', '1999-01-01&to=2026-01-01'] },
    { method: 'GET', path: () => '/healthz', params: none },
    { method: 'GET', path: () => '/metrics', params: none },
  ];

  const RAW_PARAMS = ['%', '%E0%A4%A', '%C0%AF', '..%2F..%2Fetc%2Fpasswd', '%2e%2e', '%00', '%FF%FE', 'a%20b', '__proto__', 'constructor', 'x'.repeat(5000)];
  const param = (r: Route) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...r.params()) },
      { weight: 2, arbitrary: fc.constantFrom(...RAW_PARAMS) },
      { weight: 3, arbitrary: hostileString.map((s) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, '?')).slice(0, 20_000)) },
    );

  type Body = { bytes?: Buffer | string; type?: string };
  const jsonBody = (v: unknown): Body => ({ bytes: JSON.stringify(v) ?? 'null', type: 'application/json' });
  const body = (r: Route): fc.Arbitrary<Body> => {
    const bases = r.body?.() ?? [{}];
    return fc.oneof(
      { weight: 2, arbitrary: fc.constant<Body>({}) },
      { weight: 2, arbitrary: fc.constantFrom(...bases).map(jsonBody) },
      { weight: 5, arbitrary: fc.tuple(fc.constantFrom(...bases), fc.string({ maxLength: 10 }), hostileValue).map(([b, k, v]) => jsonBody({ ...b, [Object.keys(b)[0] ?? k]: v })) },
      { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...bases), hostileValue).map(([b, v]) => jsonBody({ ...b, __proto__: v, constructor: { prototype: { admin: true } } })) },
      { weight: 3, arbitrary: hostileValue.map(jsonBody) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((a) => ({ bytes: Buffer.concat([Buffer.from('{"username":"'), Buffer.from([0xff, 0xfe, 0xc0]), Buffer.from(a), Buffer.from('"}')]), type: 'application/json' })) },
      { weight: 1, arbitrary: fc.constantFrom<Body>(
        { bytes: '{"username":', type: 'application/json' },
        { bytes: 'username=a&password=b', type: 'application/x-www-form-urlencoded' },
        { bytes: '<xml/>', type: 'text/xml' },
        { bytes: '[' .repeat(200_000), type: 'application/json' },
        { bytes: `{"name":"${'x'.repeat(2_000_000)}"}`, type: 'application/json' },
        { bytes: '{"name":"a"}', type: 'application/json; charset=latin1' },
      ) },
    );
  };
  const auth = fc.oneof(
    { weight: 6, arbitrary: fc.constant('alice') },
    { weight: 1, arbitrary: fc.constant('') },
    { weight: 1, arbitrary: fc.constantFrom('Bearer', 'Bearer ', 'Basic YTpi', 'Bearer a.b.c', `Bearer ${'x'.repeat(10_000)}`, 'bearer \u00ff') },
  );

  const runs = scaled(20, 450);

  for (const route of routes) {
    it(`${route.method} ${route.path(':id')}: ${runs} hostile requests, each refused or served cleanly`, async () => {
      await fc.assert(
        fc.asyncProperty(param(route), body(route), auth, async (p, b, a) => {
          cases++;
          const before = await stack.snapshot();
          const headers: Record<string, string> = {};
          if (a === 'alice') headers.authorization = `Bearer ${stack.users[0].token}`;
          else if (a) headers.authorization = a.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');
          if (b.type) headers['content-type'] = b.type;
          const path = route.path(p);
          const res: RawReply = await rawRequest(stack.backend.url, route.method, path, { headers, body: b.bytes });
          const what = `${route.method} ${path.slice(0, 120)} body ${brief(b.bytes?.toString().slice(0, 200))}`;
          assert.ok(res.status < 500, `${what} answered ${res.status}: ${res.text.slice(0, 300)}`);
          if (res.status >= 400) {
            refusals++;
            assertProtocolError(res.json?.error, `${what} → ${res.status} ${res.text.slice(0, 200)}`);
            assert.equal(await stack.snapshot(), before, `${what} was refused (${res.json?.error?.code}) but changed state`);
          }
        }),
        { numRuns: runs, seed: Number(process.env.WEGENT_FUZZ_SEED) || undefined, endOnFailure: !FULL },
      );
    });
  }
});
