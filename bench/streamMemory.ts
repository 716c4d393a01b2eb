// Where a streaming backend's memory goes (issue 17): the stream ×S load of suite 2 against a
// backend (and the durable relay) started with --inspect; memory read mid-stream without a GC
// (what the process holds: RSS, heap, external/array buffers), then after a forced GC mid-stream
// (what is live), and a heap snapshot mid-stream diffed against one taken idle, by constructor.
//   npx tsx bench/streamMemory.ts [--streams 50] [--adapter local]
import { startRedis } from '../test/support/redis';
import { createUser, startBackend } from '../test/support/backend';
import { Inspector, inspectorUrlIn, type MemoryReading } from './lib/inspector';
import { groupHeap } from './lib/heap';
import { BENCH_LIMITS } from './lib/limits';
import { runWorker, startRelay } from './lib/procs';
import type { StreamResult } from './scenarios/stream';
import { BATCH } from './suites/stream';

const args = process.argv.slice(2);
const streams = Number(args.find((a, i) => args[i - 1] === '--streams') ?? 50);
const adapter = args.find((a, i) => args[i - 1] === '--adapter');
const DURATION_MS = 8_000;
const mb = (b: number) => Math.round(b / 2 ** 17) / 8;

async function inspectorOf(output: () => string): Promise<Inspector> {
  for (let i = 0; i < 200; i++) {
    const url = inspectorUrlIn(output());
    if (url) return Inspector.connect(url);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no inspector URL in:\n${output()}`);
}

async function reading(insp: Inspector): Promise<MemoryReading> {
  const r = await insp.send<{ result: { value: string } }>('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
  return JSON.parse(r.result.value) as MemoryReading;
}

const show = (label: string, m: MemoryReading) => console.log(`  ${label.padEnd(34)} rss ${mb(m.rss)} MB, heap used ${mb(m.heapUsed)} MB, external ${mb(m.external)} MB (array buffers ${mb(m.arrayBuffers)} MB)`);

async function measure(name: string, insp: Inspector, run: () => Promise<StreamResult>): Promise<void> {
  console.log(`\n== ${name}, ${streams} streams`);
  show('idle, after GC', await insp.memoryAfterGc());
  const idle = groupHeap(await insp.heapSnapshot());
  const peak: MemoryReading = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const m = await reading(insp).catch(() => null);
      if (m) for (const k of Object.keys(peak) as (keyof MemoryReading)[]) peak[k] = Math.max(peak[k], m[k]);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  const running = run();
  await new Promise((r) => setTimeout(r, DURATION_MS / 2));
  sampling = false;
  await sampler;
  show('peak while streaming (no GC)', peak);
  show('mid-stream, after GC', await insp.memoryAfterGc());
  const mid = groupHeap(await insp.heapSnapshot());
  const result = await running;
  console.log(`  ${result.eventsPerSecond} ev/s (the GC and snapshot pause the stream)`);
  const growth = [...mid.entries()]
    .map(([k, g]) => ({ k, bytes: g.bytes - (idle.get(k)?.bytes ?? 0), count: g.count - (idle.get(k)?.count ?? 0) }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 12);
  console.log('  live heap mid-stream minus idle, by constructor:');
  for (const g of growth) console.log(`    ${(g.bytes / 1024).toFixed(0).padStart(8)} KB  ${String(g.count).padStart(7)} × ${g.k}`);
}

async function main(): Promise<void> {
  const redis = await startRedis({ asEmbedded: true });
  const inspect = ['--inspect=127.0.0.1:0'];
  try {
    const relay = await startRelay({ redisUrl: redis.url, nodeArgs: inspect });
    try {
      const insp = await inspectorOf(relay.output);
      await measure('durable relay', insp, () => runWorker<StreamResult>('stream', { target: 'relay', urls: [relay.url], streams, durationMs: DURATION_MS, batch: BATCH, runId: 'mem-r' }));
      insp.close();
    } finally {
      await relay.stop();
    }
    const backend = await startBackend({
      redisUrl: redis.url, sourceMaps: false, nodeArgs: inspect,
      env: { LOG_LEVEL: 'warn', ...BENCH_LIMITS, ...(adapter ? { WEGENT_SOCKET_ADAPTER: adapter } : {}) },
    });
    try {
      const insp = await inspectorOf(backend.logs);
      const users = await Promise.all(Array.from({ length: streams }, () => createUser(backend)));
      await measure(`backend (${adapter ?? 'redis-streams'} adapter)`, insp, () =>
        runWorker<StreamResult>('stream', { target: 'backend', urls: [backend.url], tokens: users.map((u) => u.token), streams, durationMs: DURATION_MS, batch: BATCH, runId: 'mem-b' }),
      );
      insp.close();
    } finally {
      await backend.stop();
    }
  } finally {
    await redis.stop();
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
