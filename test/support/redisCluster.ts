// Shared test helper: a private, real Redis Cluster per test file — `redis-server --cluster-enabled
// yes` ×masters (+ one replica each), joined by `redis-cli --cluster create`, on free loopback
// ports, each node in its own temp dir, stopped on process exit if a test forgets.
//
//   const cluster = await startRedisCluster({ replicas: 1 });  // { url, nodes, stop(), killNode(), … }
//   ... REDIS_CLUSTER_NODES = clusterSeeds(cluster.url) (startBackend does it for a redis-cluster:// url) ...
//   await cluster.killNode(port);       // SIGKILL one node (a master: its replica is promoted)
//   await cluster.waitHealthy();        // every slot served, every live node agrees
//
// `url` is `redis-cluster://127.0.0.1:p1,127.0.0.1:p2,…` (the masters): test/support/redis.ts's
// redisClient() and startBackend() read it. Nodes use append-only persistence (fsync always) and a
// short node timeout (2 s) so a failover takes a couple of seconds; cluster-require-full-coverage is
// off, as docs/deployment.md recommends: the other shards keep serving while one fails over.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort, type TestRedis } from './redis';
import { waitFor } from './wait';

const run = promisify(execFile);

export interface ClusterNodeProc {
  port: number;
  dir: string;
  /** Up (a process is running). */
  running: boolean;
}

export interface TestRedisCluster extends TestRedis {
  nodes: ClusterNodeProc[];
  /** Ports of the nodes that are masters now (asked of a live node). */
  masters(): Promise<number[]>;
  /** SIGKILL one node. */
  killNode(port: number): Promise<void>;
  /** Start a killed node again (it rejoins, as a replica of whoever took over its slots). */
  startNode(port: number): Promise<void>;
  /** Resolves once every replica of the master on `port` has all the master's writes (replication offsets equal). */
  waitReplicated(port: number, timeoutMs?: number): Promise<void>;
  /** Every slot is served, and every live node says cluster_state:ok. */
  waitHealthy(timeoutMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

async function info(port: number): Promise<string> {
  const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  r.on('error', () => {});
  try {
    await r.connect();
    return String(await r.cluster('INFO'));
  } catch {
    return '';
  } finally {
    r.disconnect();
  }
}

export async function startRedisCluster(opts: { masters?: number; replicas?: 0 | 1; startTimeoutMs?: number } = {}): Promise<TestRedisCluster> {
  const masters = opts.masters ?? 3;
  const total = masters * (1 + (opts.replicas ?? 0));
  const base = mkdtempSync(join(tmpdir(), 'wegent-redis-cluster-'));
  const nodes: ClusterNodeProc[] = [];
  const procs = new Map<number, ChildProcess>();
  for (let i = 0; i < total; i++) {
    const port = await freePort();
    const dir = join(base, String(port));
    mkdirSync(dir);
    nodes.push({ port, dir, running: false });
  }

  const launch = async (n: ClusterNodeProc) => {
    const proc = spawn('redis-server', [
      '--port', String(n.port), '--bind', '127.0.0.1', '--dir', n.dir, '--cluster-enabled', 'yes',
      '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000', '--cluster-require-full-coverage', 'no',
      '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--protected-mode', 'yes', '--daemonize', 'no', '--loglevel', 'warning',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr?.on('data', (d) => (stderr += d.toString()));
    live.add(proc);
    procs.set(n.port, proc);
    n.running = true;
    proc.once('exit', () => {
      live.delete(proc);
      n.running = false;
    });
    await waitFor(async () => {
      if (proc.exitCode !== null) throw new Error(`redis-server :${n.port} exited: ${stderr.trim()}`);
      return (await info(n.port)) !== '';
    }, { timeout: opts.startTimeoutMs ?? 15_000, message: `cluster node :${n.port} did not start` });
  };
  const halt = async (port: number, signal: NodeJS.Signals) => {
    const proc = procs.get(port);
    procs.delete(port);
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill(signal);
    await exited;
  };

  await Promise.all(nodes.map(launch));
  await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', String(opts.replicas ?? 0), '--cluster-yes'], { timeout: 60_000 });

  const waitHealthy = async (timeoutMs = 30_000) => {
    await waitFor(async () => {
      const up = nodes.filter((n) => n.running);
      const infos = await Promise.all(up.map((n) => info(n.port)));
      return infos.length > 0 && infos.every((i) => /cluster_state:ok/.test(i) && /cluster_slots_ok:16384/.test(i));
    }, { timeout: timeoutMs, message: 'the Redis Cluster did not become healthy' });
  };
  await waitHealthy();

  const masterPorts = async (): Promise<number[]> => {
    for (const n of nodes.filter((x) => x.running)) {
      const r = new Redis({ port: n.port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
      r.on('error', () => {});
      try {
        const text = String(await r.cluster('NODES'));
        const flags = (l: string) => (l.split(' ')[2] ?? '').split(',');
        return text.split('\n').filter((l) => flags(l).includes('master') && !flags(l).some((f) => f.startsWith('fail')))
          .map((l) => Number(/:(\d+)@/.exec(l)?.[1])).filter((p) => p > 0).sort((a, b) => a - b);
      } catch {
        // try the next node
      } finally {
        r.disconnect();
      }
    }
    return [];
  };

  let stopped = false;
  const url = `redis-cluster://${nodes.slice(0, masters).map((n) => `127.0.0.1:${n.port}`).join(',')}`;
  return {
    url,
    port: nodes[0].port,
    dir: base,
    nodes,
    masters: masterPorts,
    waitHealthy,
    async waitReplicated(port, timeoutMs = 30_000) {
      await waitFor(async () => {
        const r = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
        r.on('error', () => {});
        try {
          const text = String(await r.info('replication'));
          const master = Number(/master_repl_offset:(\d+)/.exec(text)?.[1] ?? -1);
          const replicas = [...text.matchAll(/^slave\d+:.*offset=(\d+)/gm)].map((m) => Number(m[1]));
          return replicas.length > 0 && replicas.every((o) => o === master);
        } finally {
          r.disconnect();
        }
      }, { timeout: timeoutMs, message: `the replicas of :${port} did not catch up` });
    },
    async killNode(port) {
      await halt(port, 'SIGKILL');
    },
    async startNode(port) {
      const n = nodes.find((x) => x.port === port);
      if (n && !n.running) await launch(n);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(nodes.map((n) => halt(n.port, 'SIGTERM')));
      rmSync(base, { recursive: true, force: true });
    },
    async restart() {
      await Promise.all(nodes.map((n) => halt(n.port, 'SIGTERM')));
      await Promise.all(nodes.map(launch));
      await waitHealthy();
    },
    async kill() {
      await Promise.all(nodes.map((n) => halt(n.port, 'SIGKILL')));
    },
    async start() {
      await Promise.all(nodes.filter((n) => !n.running).map(launch));
      await waitHealthy();
    },
  };
}
