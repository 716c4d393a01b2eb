// `npm start` semantics (docs/protocol.md "Running the backend") and the operator CLI, run as real
// processes: a private redis-server with append-only persistence when none is configured, a first
// local account with a ready token, a clear message when Redis is missing, and wegent-admin.
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildBackend, buildBackendCli, REPO_ROOT, startBackend, TEST_JWT_SECRET } from '../../test/support/backend';
import { freePort, startRedis, storeEnv } from '../../test/support/redis';
import { TestDevice, api } from '../../test/support/clients';
import { waitFor } from '../../test/support/wait';

const run = promisify(execFile);

function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('WEGENT_') && k !== 'REDIS_URL' && k !== 'REDIS_CLUSTER_NODES' && k !== 'PORT') env[k] = v;
  return { ...env, LOG_LEVEL: 'warn', ...extra };
}

async function startMain(env: Record<string, string>) {
  const main = await buildBackend();
  const proc = spawn(process.execPath, [main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, exited, output: () => out };
}

describe('start: npm start defaults and the operator CLI', function () {
  this.timeout(90_000);
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('starts a private Redis, creates a first user with a ready token, and keeps them across restarts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wegent-start-'));
    dirs.push(dataDir);
    const port = await freePort();
    const env = cleanEnv({ PORT: String(port), WEGENT_DATA_DIR: dataDir, WEGENT_LOCAL_REDIS_PORT: String(await freePort()) });
    const first = await startMain(env);
    try {
      await waitFor(() => first.output().includes(`Wegent backend listening on http://127.0.0.1:${port}`), { timeout: 30_000, message: 'listening line' });
      const out = first.output();
      const username = out.match(/username: (\S+)/)?.[1];
      const password = out.match(/password: (\S+)/)?.[1];
      const token = out.match(/A ready API token[^\n]*\n\s+(\S+)/)?.[1];
      assert.ok(username && password && token, out);
      assert.match(out, /Connect Device/);
      const me = await api(`http://127.0.0.1:${port}`, 'GET', '/api/me', { token });
      assert.equal(me.body.user.username, username);
      const login = await api(`http://127.0.0.1:${port}`, 'POST', '/api/auth/login', { body: { username, password } });
      assert.equal(login.status, 200);
      // The private Redis has no password, so it listens on no TCP port: only on a unix socket in
      // the owner-only data dir, which no other local user can reach.
      const pointer = join(dataDir, 'redis', 'socket');
      assert.ok(existsSync(pointer), 'redis/socket names the private Redis');
      // Line 1 names the socket, line 2 the redis-server that owns it (a late backend leaves others' notes alone).
      const [socketPath, ownerPid] = readFileSync(pointer, 'utf8').split('\n');
      assert.equal(socketPath, join(dataDir, 'redis', 'redis.sock'));
      assert.equal((await run('redis-cli', ['-s', socketPath, 'info', 'server'])).stdout.match(/process_id:(\d+)/)?.[1], ownerPid);
      assert.equal(statSync(join(dataDir, 'redis')).mode & 0o777, 0o700, 'redis/ is owner-only');
      assert.equal(statSync(socketPath).mode & 0o077, 0, 'the socket is owner-only');
      assert.equal((await run('redis-cli', ['-s', socketPath, 'config', 'get', 'port'])).stdout.split('\n')[1], '0', 'the private Redis listens on a TCP port');
      assert.equal(existsSync(join(dataDir, 'redis', 'port')), false);
      // wegent-admin finds the same private Redis through redis/socket.
      const admin = await run(process.execPath, [await buildBackendCli(), 'list-devices'], { env, cwd: REPO_ROOT });
      assert.deepEqual(JSON.parse(admin.stdout), { devices: [] });
      assert.ok(existsSync(pointer), 'wegent-admin left the backend\'s Redis running');
      first.proc.kill('SIGTERM');
      assert.equal(await first.exited, 0);
      assert.equal(existsSync(pointer), false, 'private Redis stopped with the backend');
      await waitFor(async () => (await run('redis-cli', ['-s', socketPath, 'ping']).then((r) => !r.stdout.includes('PONG'), () => true)), { message: 'private redis gone' });

      const second = await startMain(env);
      try {
        await waitFor(() => second.output().includes('Wegent backend listening'), { timeout: 30_000 });
        assert.ok(!second.output().includes('Created the first account'), 'no second first-run account');
        assert.equal((await api(`http://127.0.0.1:${port}`, 'GET', '/api/me', { token })).status, 200, 'user, token and secret persisted');
      } finally {
        second.proc.kill('SIGTERM');
        await second.exited;
      }
    } finally {
      first.proc.kill('SIGKILL');
    }
  });

  it('puts the private Redis socket in an owner-only temp dir when the data dir path is too long for one', async () => {
    const base = mkdtempSync(join(tmpdir(), 'wegent-start-'));
    dirs.push(base);
    const dataDir = join(base, 'a-data-dir-whose-path-is-far-too-long-for-a-unix-socket-address'.repeat(2));
    mkdirSync(dataDir, { recursive: true });
    const port = await freePort();
    const p = await startMain(cleanEnv({ PORT: String(port), WEGENT_DATA_DIR: dataDir, WEGENT_LOCAL_REDIS_PORT: String(await freePort()), WEGENT_BOOTSTRAP_USER: '0' }));
    try {
      await waitFor(() => p.output().includes('Wegent backend listening'), { timeout: 30_000, message: `listening line: ${p.output()}` });
      const socketPath = readFileSync(join(dataDir, 'redis', 'socket'), 'utf8').split('\n')[0];
      assert.ok(socketPath.startsWith(join(tmpdir(), 'wegent-redis-')), socketPath);
      assert.equal(statSync(join(socketPath, '..')).mode & 0o777, 0o700, 'its temp dir is owner-only');
      assert.equal((await api(`http://127.0.0.1:${port}`, 'GET', '/healthz')).status, 200);
      p.proc.kill('SIGTERM');
      assert.equal(await p.exited, 0);
      assert.equal(existsSync(join(socketPath, '..')), false, 'the temp dir is removed with the private Redis');
    } finally {
      p.proc.kill('SIGKILL');
    }
  });

  it('says how to install Redis when there is none', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wegent-start-'));
    dirs.push(dataDir);
    // A PATH with nothing on it: node is started by absolute path, redis-server cannot be found.
    const emptyBin = mkdtempSync(join(tmpdir(), 'wegent-nobin-'));
    dirs.push(emptyBin);
    const env = cleanEnv({ PORT: String(await freePort()), WEGENT_DATA_DIR: dataDir, WEGENT_LOCAL_REDIS_PORT: String(await freePort()), PATH: emptyBin });
    const p = await startMain(env);
    assert.equal(await p.exited, 1);
    assert.match(p.output(), /apt-get install redis-server/);
    assert.match(p.output(), /brew install redis/);
    assert.match(p.output(), /REDIS_URL/);
  });

  it('creates users, issues tokens and lists devices with wegent-admin', async () => {
    const redis = await startRedis();
    const backend = await startBackend({ redisUrl: redis.url });
    const env = cleanEnv({ ...storeEnv(redis.url), WEGENT_JWT_SECRET: TEST_JWT_SECRET });
    const cliPath = await buildBackendCli();
    const cli = (...args: string[]) => run(process.execPath, [cliPath, ...args], { env, cwd: REPO_ROOT });
    let device: TestDevice | null = null;
    try {
      const created = JSON.parse((await cli('create-user', 'dora', '--role', 'operator')).stdout);
      assert.equal(created.user.username, 'dora');
      assert.equal(created.user.role, 'operator');
      assert.ok(created.password.length >= 12);
      const issued = JSON.parse((await cli('issue-token', 'dora', '--name', 'ci')).stdout);
      assert.equal((await api(backend.url, 'GET', '/api/me', { token: issued.token })).body.user.username, 'dora');
      device = await TestDevice.connect({ url: backend.url, token: issued.token, deviceId: 'dora-box', name: 'Linux - box' });
      const listed = JSON.parse((await cli('list-devices')).stdout);
      assert.deepEqual(listed.devices.map((d: { device_id: string; owner: string; status: string }) => [d.device_id, d.owner, d.status]), [['dora-box', 'dora', 'online']]);
      await assert.rejects(cli('create-user', 'dora'), (e: { stderr: string }) => /taken/.test(e.stderr));
      await assert.rejects(cli('create-user', 'X!'), (e: { stderr: string; code: number }) => e.code === 2 && /username/.test(e.stderr));
      await assert.rejects(cli('frobnicate'), (e: { stderr: string }) => /unknown command/.test(e.stderr));
    } finally {
      device?.close();
      await backend.stop();
      await redis.stop();
    }
  });
});
