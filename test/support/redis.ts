// Shared test helper: a private, real `redis-server` per test file.
//
//   const redis = await startRedis();            // { url, port, dir, stop(), restart() }
//   ... REDIS_URL = redis.url ...
//   await redis.stop();                          // kills it and removes its temp dir
//
// Each instance listens on a free loopback port (never the machine's 6379), keeps its files in a
// fresh temp dir, and is stopped on process exit if a test forgets. `appendonly: true` turns on
// AOF so `restart()` (SIGTERM, then start again on the same port and dir) keeps the data — the way
// a backend restart test proves nothing is lost. `kill()` (SIGKILL) simulates a crash.
//
// The switch: WEGENT_TEST_REDIS=cluster makes startRedis() start a 3-master Redis Cluster instead
// (test/support/redisCluster.ts) whose `url` is `redis-cluster://…`; startBackend() then sets
// REDIS_CLUSTER_NODES, and redisClient(url) gives an ioredis Cluster. So every suite that uses
// these helpers runs against either (docs/deployment.md, "Testing on a cluster").
import { Cluster, Redis, type RedisOptions as IoRedisOptions } from 'ioredis';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMBEDDED_PERSISTENCE } from '../../backend/src/store/embedded';

export interface RedisOptions {
  /** Turn on append-only persistence, fsync always (default false: Redis's default RDB snapshots). */
  appendonly?: boolean;
  /**
   * Run as `npm start`'s embedded Redis does (the bench: figures for the real setup): its
   * persistence, and `url` is a unix socket in the server's dir, which is how the backend reaches
   * its embedded Redis (store/embedded.ts) — on this machine a loopback TCP round trip cost 25–40 %
   * more than the socket's. It listens on `port` (TCP) as well, for tools that want one.
   */
  asEmbedded?: boolean;
  /** How long to wait for the server to answer PING (default 15 000 ms). */
  startTimeoutMs?: number;
}

export interface TestRedis {
  /** redis://127.0.0.1:port, or with `asEmbedded` the unix socket's path (ioredis takes either). */
  url: string;
  port: number;
  dir: string;
  /** Stop the server (SIGTERM, so it saves) and remove its temp dir. Idempotent. */
  stop(): Promise<void>;
  /** Stop (SIGTERM, saving data) and start again on the same port and dir. */
  restart(): Promise<void>;
  /** SIGKILL the server without removing its dir; `start()` brings it back. */
  kill(): Promise<void>;
  /** Start again after kill(). */
  start(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Asks the OS for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let buffer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      buffer += d.toString();
      if (buffer.includes('\r\n')) done(buffer.startsWith('+PONG'));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** The backend's environment for a test Redis url: REDIS_URL, or REDIS_CLUSTER_NODES for a cluster. */
export function storeEnv(url: string): Record<string, string> {
  return url.startsWith('redis-cluster://') ? { REDIS_CLUSTER_NODES: clusterSeeds(url) } : { REDIS_URL: url };
}

/** `host:port,…` of a redis-cluster:// url. */
export function clusterSeeds(url: string): string {
  return url.slice('redis-cluster://'.length);
}

/** A client for a test Redis url: an ioredis Redis, or a Cluster for a redis-cluster:// url. */
export function redisClient(url: string, opts: IoRedisOptions = {}): Redis | Cluster {
  if (!url.startsWith('redis-cluster://')) return new Redis(url, opts);
  const nodes = clusterSeeds(url).split(',').map((hp) => ({ host: hp.split(':')[0], port: Number(hp.split(':')[1]) }));
  return new Cluster(nodes, { redisOptions: opts, scaleReads: 'master' });
}

/**
 * Every command a test Redis runs from now on (MONITOR on each master of a cluster); call the result
 * to stop. MONITOR runs in `redis-cli`, not ioredis: ioredis's monitor connection can mistake
 * monitor lines that arrive before its own replies for replies ("Command queue state error").
 */
export async function monitorCommands(url: string, onCommand: (args: string[]) => void): Promise<() => void> {
  const client = redisClient(url);
  let targets: Array<{ host: string; port: number }>;
  try {
    if (client instanceof Cluster) await client.ping(); // the masters are known from here on
    targets = client instanceof Cluster ? client.nodes('master').map((n) => ({ host: n.options.host!, port: n.options.port! })) : [{ host: client.options.host!, port: client.options.port! }];
  } finally {
    client.disconnect();
  }
  const monitors = await Promise.all(targets.map((t) => monitorOne(t.host, t.port, onCommand)));
  return () => {
    for (const m of monitors) m.kill('SIGKILL');
  };
}

/** `redis-cli monitor` on one server, resolved once it has started monitoring ("OK"). */
function monitorOne(host: string, port: number, onCommand: (args: string[]) => void): Promise<ChildProcess> {
  const child = spawn('redis-cli', ['-h', host, '-p', String(port), 'monitor'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-cli monitor exited (${code}) before it started`)));
    child.stdout!.setEncoding('utf8').on('data', (data: string) => {
      buffer += data;
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        if (line.trim() === 'OK') resolve(child);
        // 1700000000.123456 [0 127.0.0.1:5000] "GET" "key"
        const quoted = line.slice(line.indexOf(']') + 1).match(/"(?:[^"\\]|\\.)*"/g);
        if (quoted) onCommand(quoted.map((q) => q.slice(1, -1)));
      }
    });
  });
}

/** Every key of a test Redis matching `pattern` (over every master of a cluster). */
export async function scanKeys(client: Redis | Cluster, pattern: string): Promise<string[]> {
  const targets = client instanceof Cluster ? client.nodes('master') : [client];
  const out: string[] = [];
  for (const node of targets) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      out.push(...batch);
    } while (cursor !== '0');
  }
  return out;
}

export async function startRedis(options: RedisOptions = {}): Promise<TestRedis> {
  if (process.env.WEGENT_TEST_REDIS === 'cluster') {
    const { startRedisCluster } = await import('./redisCluster');
    return startRedisCluster({ startTimeoutMs: options.startTimeoutMs });
  }
  const dir = mkdtempSync(join(tmpdir(), 'wegent-redis-'));
  const port = await freePort();
  const socketPath = join(dir, 'redis.sock');
  const timeout = options.startTimeoutMs ?? 15_000;
  let child: ChildProcess | null = null;
  let stopped = false;

  const launch = async () => {
    const args = [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
      ...(options.asEmbedded ? [...EMBEDDED_PERSISTENCE, '--unixsocket', socketPath, '--unixsocketperm', '700'] : ['--appendonly', options.appendonly ? 'yes' : 'no', '--appendfsync', 'always']),
      '--protected-mode', 'yes', '--daemonize', 'no', '--loglevel', 'warning',
    ];
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr?.on('data', (d) => (stderr += d.toString()));
    const spawnError = new Promise<never>((_, reject) =>
      proc.once('error', (err) => reject(new Error(`cannot start redis-server (is it installed? apt-get install redis-server): ${err.message}`))),
    );
    live.add(proc);
    proc.once('exit', () => live.delete(proc));
    child = proc;
    const deadline = Date.now() + timeout;
    const ready = (async () => {
      while (Date.now() < deadline) {
        if (proc.exitCode !== null) throw new Error(`redis-server exited (${proc.exitCode}): ${stderr.trim()}`);
        if (await ping(port)) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`redis-server on port ${port} did not answer PING within ${timeout} ms`);
    })();
    await Promise.race([ready, spawnError]);
  };

  const halt = async (signal: NodeJS.Signals) => {
    const proc = child;
    child = null;
    if (!proc) return;
    proc.kill(signal);
    await exited(proc);
  };

  await launch();

  return {
    url: options.asEmbedded ? socketPath : `redis://127.0.0.1:${port}`,
    port,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await halt('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await halt('SIGTERM');
      await launch();
    },
    async kill() {
      await halt('SIGKILL');
    },
    async start() {
      if (!child) await launch();
    },
  };
}
