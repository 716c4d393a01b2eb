// What a streamed message allocates in the backend (issue 17): the stream ×S load of suite 2 with
// V8's sampling heap profiler on, counting garbage too (objects a scavenge or a full GC collected),
// reported per message and by allocating function. Unlike events/s on a shared 2-core machine,
// bytes per message hardly move between runs, so a change to the hot path shows up here first.
//   npx tsx bench/streamAlloc.ts [--streams 50] [--adapter local] [--top 30]
import { pathToFileURL } from 'node:url';
import { startRedis } from '../test/support/redis';
import { createUser, startBackend } from '../test/support/backend';
import { Inspector, inspectorUrlIn } from './lib/inspector';
import { BENCH_LIMITS } from './lib/limits';
import { runWorker } from './lib/procs';
import { original, where } from './profile';
import type { StreamResult } from './scenarios/stream';
import { BATCH } from './suites/stream';

const args = process.argv.slice(2);
const opt = (name: string) => args.find((a, i) => args[i - 1] === name);
const streams = Number(opt('--streams') ?? 50);
const adapter = opt('--adapter');
const top = Number(opt('--top') ?? 30);

interface SampleNode {
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  selfSize: number;
  children: SampleNode[];
}

async function main(): Promise<void> {
  const redis = await startRedis({ asEmbedded: true });
  const backend = await startBackend({
    redisUrl: redis.url, sourceMaps: false, nodeArgs: ['--inspect=127.0.0.1:0'],
    env: {
      LOG_LEVEL: 'warn', ...BENCH_LIMITS, ...(adapter ? { WEGENT_SOCKET_ADAPTER: adapter } : {}),
    },
  });
  try {
    const users = await Promise.all(Array.from({ length: streams }, () => createUser(backend)));
    const insp = await Inspector.connect(inspectorUrlIn(backend.logs())!);
    await insp.send('HeapProfiler.startSampling', { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    const r = await runWorker<StreamResult>('stream', {
      target: 'backend', urls: [backend.url], tokens: users.map((u) => u.token), streams, durationMs: 5_000, batch: BATCH, runId: `alloc${Date.now().toString(36)}`,
    });
    const { profile } = await insp.send<{ profile: { head: SampleNode } }>('HeapProfiler.stopSampling');
    const messages = r.events / BATCH;
    const byFunction = new Map<string, number>();
    const byPackage = new Map<string, number>();
    let total = 0;
    const walk = (n: SampleNode) => {
      if (n.selfSize) {
        // The sampling profiler names files by path, the CPU profiler by file:// URL (what original() maps).
        const url = n.callFrame.url.startsWith('/') ? pathToFileURL(n.callFrame.url).href : n.callFrame.url;
        const o = original(url, n.callFrame.lineNumber, n.callFrame.columnNumber);
        const fn = `${n.callFrame.functionName || '(anonymous)'}  ${where(o.url)}:${o.line + 1}`;
        byFunction.set(fn, (byFunction.get(fn) ?? 0) + n.selfSize);
        byPackage.set(where(o.url), (byPackage.get(where(o.url)) ?? 0) + n.selfSize);
        total += n.selfSize;
      }
      for (const c of n.children) walk(c);
    };
    walk(profile.head);
    const perMessage = (bytes: number) => `${Math.round(bytes / messages).toString().padStart(6)} B`;
    const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => `${perMessage(v)}  ${k}`);
    console.log(`stream ×${streams}${adapter ? ` (--adapter ${adapter})` : ''}: ${r.eventsPerSecond} events/s, ${messages} messages of ${BATCH} events`);
    console.log(`allocated per message (sampled, garbage included): ${(total / messages / 1024).toFixed(1)} KB\n`);
    console.log('by package / source file:', ...sorted(byPackage).map((l) => `\n${l}`));
    console.log('\nby function:', ...sorted(byFunction).map((l) => `\n${l}`));
  } finally {
    await backend.stop();
    await redis.stop();
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
