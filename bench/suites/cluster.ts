// Suite 7: one Redis vs a 3-shard Redis Cluster, in the same run. Two backend processes on each
// store (devices and chats spread over both), the same stream load (S streams, each its own user)
// and the same dispatch latency probe, alternated `runs` times; median and range. Beside the
// figures, what each Redis process did: commands per streamed event, and how the cluster's
// commands split over its shards (the share each shard carries is what adding shards divides).
// On this machine every Redis process and backend shares the same cores, so the cluster cannot
// show more capacity here than one Redis; it shows the overhead and the spread (docs/deployment.md).
import { Redis } from 'ioredis';
import { createUser, startBackend, type TestBackend } from '../../test/support/backend';
import { startRedisCluster } from '../../test/support/redisCluster';
import { runWorker } from '../lib/procs';
import { median, ratio, round } from '../lib/stats';
import type { DispatchResult } from '../scenarios/dispatch';
import type { StreamResult } from '../scenarios/stream';
import type { Row } from '../lib/report';
import type { Suite } from './context';
import { BATCH } from './stream';

/** total_commands_processed of each Redis process (one port each). */
async function commandCounts(ports: number[]): Promise<number[]> {
  return Promise.all(ports.map(async (port) => {
    const r = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
    try {
      return Number(/total_commands_processed:(\d+)/.exec(String(await r.info('stats')))?.[1] ?? 0);
    } finally {
      r.disconnect();
    }
  }));
}

const spread = (xs: number[]) => `${median(xs)} (${Math.min(...xs)}–${Math.max(...xs)})`;

interface Store {
  name: string;
  nodes: TestBackend[];
  ports: number[];
  tokens: string[];
  /** One dispatch owner per run (each run registers its own devices; an account holds at most 50). */
  owners: string[];
}

export const clusterSuite: Suite = {
  name: 'cluster',
  title: 'stream and dispatch: 2 backends on 1 Redis vs on a 3-shard Redis Cluster',
  async run(ctx) {
    const streams = ctx.quick ? 10 : 50;
    const durationMs = ctx.quick ? 2_000 : 6_000;
    const runs = ctx.quick ? 1 : 3;
    const devices = ctx.quick ? 10 : 40; // one owner: under the per-account device cap (50)
    const samples = ctx.quick ? 60 : 200;

    const cluster = await startRedisCluster({ masters: 3 });
    ctx.cleanup(() => cluster.stop());
    const env = { LOG_LEVEL: 'warn', ...ctx.benchLimits };
    const start = (redisUrl: string) => startBackend({ redisUrl, env, sourceMaps: false });
    const single: TestBackend[] = [ctx.backend, await start(ctx.redis.url)];
    const sharded: TestBackend[] = [await start(cluster.url), await start(cluster.url)];
    for (const b of [single[1], ...sharded]) ctx.cleanup(() => b.stop());
    const stores: Store[] = [];
    for (const [name, nodes, ports] of [['1 Redis', single, [ctx.redis.port]], ['3 shards', sharded, cluster.nodes.map((n) => n.port)]] as const) {
      const users = await Promise.all(Array.from({ length: streams + runs }, () => createUser(nodes[0])));
      stores.push({ name, nodes, ports: [...ports], tokens: users.slice(runs).map((u) => u.token), owners: users.slice(0, runs).map((u) => u.token) });
    }

    const results: Record<string, { stream: StreamResult[]; dispatch: DispatchResult[]; commandsPerEvent: number[]; shardShare: number[][] }> = {};
    for (const s of stores) results[s.name] = { stream: [], dispatch: [], commandsPerEvent: [], shardShare: [] };
    for (let run = 0; run < runs; run++) {
      for (const s of stores) {
        const before = await commandCounts(s.ports);
        const res = await runWorker<StreamResult>('stream', {
          target: 'backend', streams, durationMs, batch: BATCH, tokens: s.tokens, urls: s.nodes.map((n) => n.url), runId: `${ctx.runId}-c${run}-${s.ports[0]}`,
        });
        const delta = (await commandCounts(s.ports)).map((n, i) => n - before[i]);
        const total = delta.reduce((a, b) => a + b, 0);
        const r = results[s.name];
        r.stream.push(res);
        r.commandsPerEvent.push(round(total / Math.max(1, res.events), 2));
        r.shardShare.push(delta.map((d) => round(d / Math.max(1, total), 2)));
        r.dispatch.push(await runWorker<DispatchResult>('dispatch', {
          target: 'backend', url: s.nodes[0].url, token: s.owners[run], devices, samples, warmup: 20, runId: `${ctx.runId}-cd${run}-${s.ports[0]}`,
        }));
      }
    }

    const rows: Row[] = [];
    const one = results['1 Redis'];
    const three = results['3 shards'];
    const ev = (r: typeof one) => r.stream.map((x) => x.eventsPerSecond);
    rows.push(
      { scenario: `store ×${streams} streams, 2 nodes`, metric: 'events/s, 1 Redis', ours: spread(ev(one)), unit: 'ev/s median (range)' },
      { scenario: `store ×${streams} streams, 2 nodes`, metric: 'events/s, 3 shards', ours: spread(ev(three)), ratio: ratio(median(ev(three)), median(ev(one))), unit: 'ev/s median (range); ratio 3 shards ÷ 1' },
      { scenario: `store ×${streams} streams, 2 nodes`, metric: 'Redis commands per event, 1 / 3 shards', ours: `${median(one.commandsPerEvent)} / ${median(three.commandsPerEvent)}`, unit: 'commands' },
      { scenario: `store ×${streams} streams, 2 nodes`, metric: 'share of commands per shard', ours: three.shardShare.map((s) => s.join('/')).join(', '), unit: 'per run' },
    );
    for (const [hop, key] of [['send→execute', 'execute'], ['progress→chunk', 'chunk']] as const) {
      for (const p of ['p50', 'p99'] as const) {
        const a = one.dispatch.map((d) => d[key][p]);
        const b = three.dispatch.map((d) => d[key][p]);
        rows.push({ scenario: `store dispatch ${devices} dev`, metric: `${hop} ${p}, 1 Redis / 3 shards`, ours: `${spread(a)} / ${spread(b)}`, ratio: ratio(median(b), median(a)), unit: 'ms median (range)' });
      }
    }
    return { data: { streams, devices, runs, results }, rows, targets: [] };
  },
};
