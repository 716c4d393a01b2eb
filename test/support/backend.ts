// Shared test helper: a real Wegent backend for a test file, and accounts on it.
//
//   const redis = await startRedis();
//   const backend = await startBackend({ redisUrl: redis.url, env: FAST_TIMING });
//   const alice = await createUser(backend, { username: 'alice' });   // { userId, username, password, token, role }
//   ... connect clients to backend.url with alice.token ...
//   await backend.restart();   // SIGTERM (graceful) + start again on the same port: clients reconnect
//   await backend.kill();      // SIGKILL (crash); backend.start() brings it back on the same port
//   await backend.stop();      // at the end (idempotent)
//
// By default the backend is a child process running the bundled backend (esbuild, built once per
// test process into .test-artifacts/), so restart and SIGKILL are real. `inProcess: true` runs the
// same createApp() inside the test process (faster start, `backend.app` exposes the services).
// Every backend gets: HOST 127.0.0.1, a free PORT, REDIS_URL, the shared TEST_JWT_SECRET (so
// createUser/issueToken can sign tokens it accepts), a temp WEGENT_DATA_DIR, LOG_LEVEL warn, no
// first-run user. `env` overrides or adds (e.g. FAST_TIMING, WEGENT_EXECUTE_ACK_TIMEOUT_MS).
// Several backends on one Redis (multi-node tests) just call startBackend twice with the same redisUrl.
// issueToken(target, userId, { ttlS }) makes more (or short-lived) tokens; buildBackend() /
// buildBackendCli() give the bundled main.js / cli.js paths for tests that spawn them directly.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import * as esbuild from 'esbuild';
import { inlineLua } from '../../backend/build/inlineLua.mjs';
import type { Role } from '@wegent/shared';
import { Accounts } from '../../backend/src/accounts';
import type { App } from '../../backend/src/app';
import { clusterSeeds, freePort, redisClient, storeEnv } from './redis';

export const REPO_ROOT = resolve(__dirname, '..', '..');

/** The JWT secret every test backend uses unless `env.WEGENT_JWT_SECRET` says otherwise. */
export const TEST_JWT_SECRET = 'wegent-test-secret-0123456789abcdef-0123456789abcdef';

/**
 * Presence timings for tests: heartbeat 250 ms, online TTL 3 s, monitor period 1 s. The TTL leaves
 * room for 2-3 s event-loop stalls on a loaded 2-core machine (a 1 s TTL failed healthy devices'
 * tasks there); a test that needs a faster lapse passes its own WEGENT_ONLINE_TTL_MS.
 */
export const FAST_TIMING = {
  WEGENT_HEARTBEAT_INTERVAL_MS: '250',
  WEGENT_ONLINE_TTL_MS: '3000',
  WEGENT_MONITOR_INTERVAL_MS: '1000',
} as const;

export interface StartBackendOptions {
  redisUrl: string;
  env?: Record<string, string>;
  inProcess?: boolean;
  /** Fixed port (default: a free one, kept across restarts). */
  port?: number;
  /** How long to wait for "listening" (default 30 000 ms). */
  startTimeoutMs?: number;
  /** Extra node flags for the child process, e.g. ['--cpu-prof', '--cpu-prof-dir=DIR'] (the bench's --profile). */
  nodeArgs?: string[];
  /**
   * --enable-source-maps (default true: readable stacks in test logs). The bench turns it off to run
   * as `npm start` does: with it, every error's stack re-parses the bundle's source map (Node 20),
   * a stall of tens of ms each time a client resets its connection.
   */
  sourceMaps?: boolean;
}

export interface TestBackend {
  url: string;
  port: number;
  redisUrl: string;
  /** The JWT secret this backend signs with. */
  secret: string;
  /** The full environment it was started with. */
  env: Record<string, string>;
  /** Graceful stop (SIGTERM), then remove its data dir. Idempotent. */
  stop(): Promise<void>;
  /** Graceful stop and start again on the same port and data dir. */
  restart(): Promise<void>;
  /** SIGKILL (child) or abrupt close (in-process): a crash. */
  kill(): Promise<void>;
  /** Start again after kill()/stop-less crash, same port. */
  start(): Promise<void>;
  /** Everything the backend printed (stdout + stderr), for failure messages. */
  logs(): string;
  /** In-process only: the running app (services, io). */
  app?: App;
}

let buildPromise: Promise<string> | null = null;
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  if (buildDir) rmSync(buildDir, { recursive: true, force: true });
});
let buildDir: string | null = null;

/** Path of the bundled operator CLI (wegent-admin), built with the backend. */
export async function buildBackendCli(): Promise<string> {
  return join(dirname(await buildBackend()), 'cli.js');
}

/** Bundles backend/src/main.ts (and cli.ts) once per test process (a private dir: parallel runs never collide). */
export function buildBackend(): Promise<string> {
  buildPromise ??= (async () => {
    const base = join(REPO_ROOT, '.test-artifacts');
    mkdirSync(base, { recursive: true });
    buildDir = mkdtempSync(join(base, `backend-${process.pid}-`));
    await esbuild.build({
      entryPoints: { main: join(REPO_ROOT, 'backend/src/main.ts'), cli: join(REPO_ROOT, 'backend/src/cli.ts') },
      outdir: buildDir,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      // A .map beside the bundle, as npm start's (esbuild.mjs). An inline map is part of the script's
      // source, which V8 keeps in the heap: 31 MB more heap and 59 MB more RSS at idle, which the
      // bench then counted against the backend.
      sourcemap: true,
      logLevel: 'error',
      external: ['bufferutil', 'utf-8-validate', 'pino-pretty'],
      plugins: [inlineLua()],
    });
    return join(buildDir, 'main.js');
  })();
  return buildPromise;
}

function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('WEGENT_') && !['PORT', 'HOST', 'REDIS_URL', 'REDIS_CLUSTER_NODES', 'LOG_LEVEL'].includes(k)) env[k] = v;
  }
  return env;
}

export async function startBackend(opts: StartBackendOptions): Promise<TestBackend> {
  const port = opts.port ?? (await freePort());
  const dataDir = mkdtempSync(join(tmpdir(), 'wegent-backend-'));
  const env: Record<string, string> = {
    ...baseEnv(),
    HOST: '127.0.0.1',
    PORT: String(port),
    // REDIS_URL, or REDIS_CLUSTER_NODES for a redis-cluster:// url (WEGENT_TEST_REDIS=cluster)
    ...storeEnv(opts.redisUrl),
    WEGENT_JWT_SECRET: TEST_JWT_SECRET,
    WEGENT_DATA_DIR: dataDir,
    WEGENT_BOOTSTRAP_USER: '0',
    WEGENT_WEBVIEW_DIR: join(REPO_ROOT, 'webview-ui', 'dist'),
    WEGENT_SHUTDOWN_GRACE_MS: '2000',
    LOG_LEVEL: 'warn',
    ...opts.env,
  };
  const timeout = opts.startTimeoutMs ?? 30_000;
  let output = '';
  let stopped = false;
  const url = `http://127.0.0.1:${port}`;

  const handle: TestBackend = {
    url, port, redisUrl: opts.redisUrl, secret: env.WEGENT_JWT_SECRET, env,
    logs: () => output,
    stop: async () => {},
    restart: async () => {},
    kill: async () => {},
    start: async () => {},
  };

  if (opts.inProcess) {
    const { loadConfig } = await import('../../backend/src/config');
    const { createApp } = await import('../../backend/src/app');
    const { createLogger } = await import('../../backend/src/log');
    const { connectStore, waitReady } = await import('../../backend/src/store/redis');
    let conns: { disconnect(): void }[] = [];
    const launch = async () => {
      const config = loadConfig(env);
      // The connections main.ts makes (auto-pipelining, its retry strategy): the same round trips.
      const store = opts.redisUrl.startsWith('redis-cluster://')
        ? { clusterNodes: clusterSeeds(opts.redisUrl).split(',').map((hp) => ({ host: hp.split(':')[0], port: Number(hp.split(':')[1]) })) }
        : { url: opts.redisUrl };
      const redis = connectStore(store, 'cmd');
      const adapterRedis = connectStore(store, 'adapter', { sharded: true });
      redis.on('error', () => {});
      adapterRedis.on('error', () => {});
      conns = [redis, adapterRedis];
      await waitReady(redis); // as main.ts does (a cluster client refuses commands until it knows the slots)
      const app = createApp({ config, redis, adapterRedis, log: createLogger(env.LOG_LEVEL) });
      await app.listen(port, '127.0.0.1');
      handle.app = app;
    };
    const halt = async (graceful: boolean) => {
      const app = handle.app;
      handle.app = undefined;
      if (!app) return;
      if (graceful) await app.close();
      else {
        app.services.monitor.stop();
        app.server.closeAllConnections();
        app.io.close();
      }
      for (const c of conns) c.disconnect();
    };
    await launch();
    handle.stop = async () => {
      if (stopped) return;
      stopped = true;
      await halt(true);
      rmSync(dataDir, { recursive: true, force: true });
    };
    handle.restart = async () => {
      await halt(true);
      await launch();
    };
    handle.kill = () => halt(false);
    handle.start = async () => {
      if (!handle.app) await launch();
    };
    return handle;
  }

  const main = await buildBackend();
  let child: ChildProcess | null = null;

  const launch = async () => {
    const proc = spawn(process.execPath, [...(opts.sourceMaps === false ? [] : ['--enable-source-maps']), ...(opts.nodeArgs ?? []), main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(proc);
    proc.once('exit', () => children.delete(proc));
    child = proc;
    await new Promise<void>((resolveReady, reject) => {
      const timer = setTimeout(() => reject(new Error(`backend did not start within ${timeout} ms:\n${output.slice(-4000)}`)), timeout);
      const onData = (d: Buffer) => {
        output += d.toString();
        // Any host: a test may listen on HOST=0.0.0.0 (it is still reached at 127.0.0.1).
        if (new RegExp(`Wegent backend listening on http://\\S+:${port}\\n`).test(output)) {
          clearTimeout(timer);
          resolveReady();
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`backend exited (${code ?? signal}) before it was ready:\n${output.slice(-4000)}`));
      });
    });
  };
  const halt = async (signal: NodeJS.Signals) => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill(signal);
    const force = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(force);
  };

  await launch();
  handle.stop = async () => {
    if (stopped) return;
    stopped = true;
    await halt('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  };
  handle.restart = async () => {
    await halt('SIGTERM');
    await launch();
  };
  handle.kill = () => halt('SIGKILL');
  handle.start = async () => {
    if (!child) await launch();
  };
  return handle;
}

export interface TestUser {
  userId: string;
  username: string;
  password: string;
  token: string;
  role: Role;
}

type Target = TestBackend | string;

async function withAccounts<T>(target: Target, secret: string | undefined, work: (a: Accounts) => Promise<T>): Promise<T> {
  const url = typeof target === 'string' ? target : target.redisUrl;
  const redis = redisClient(url, { maxRetriesPerRequest: 3 });
  try {
    return await work(new Accounts(redis, secret ?? (typeof target === 'string' ? TEST_JWT_SECRET : target.secret)));
  } finally {
    redis.disconnect();
  }
}

let userCounter = 0;

/** Creates an account straight in the backend's Redis (the same code the backend runs) and an API token. */
export function createUser(target: Target, opts: { username?: string; password?: string; role?: Role; secret?: string } = {}): Promise<TestUser> {
  const username = opts.username ?? `user${process.pid % 10000}x${++userCounter}${Math.random().toString(36).slice(2, 6)}`;
  const password = opts.password ?? `pw-${Math.random().toString(36).slice(2)}-long`;
  const role = opts.role ?? 'user';
  return withAccounts(target, opts.secret, async (accounts) => {
    const user = await accounts.createUser(username, password, role);
    const { token } = await accounts.issueToken(user.id, 'test', 'api');
    return { userId: user.id, username, password, token, role };
  });
}

/** Issues another token for a user; `ttlS` makes short-lived ones for expiry tests. Returns {token, id}. */
export function issueToken(target: Target, userId: string, opts: { ttlS?: number; name?: string; secret?: string } = {}): Promise<{ token: string; id: string }> {
  return withAccounts(target, opts.secret, async (accounts) => {
    const { token, info } = await accounts.issueToken(userId, opts.name ?? 'test', 'api', opts.ttlS);
    return { token, id: info.id };
  });
}
