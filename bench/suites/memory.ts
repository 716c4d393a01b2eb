// Suite 3b: memory per idle device, read through V8's inspector after a full GC (live heap +
// external), beside RSS growth per device; the bare relay measured the same way in the same run.
// Own backend and relay, started with --inspect on loopback, so the other suites run without it.
import { startBackend } from '../../test/support/backend';
import { inspectorUrlIn } from '../lib/inspector';
import { runWorker, startRelay } from '../lib/procs';
import { ratio } from '../lib/stats';
import type { MemoryResult } from '../scenarios/memory';
import type { Row, Target } from '../lib/report';
import type { Suite } from './context';

const LIMIT_KB = 30;
const INSPECT = ['--inspect=127.0.0.1:0'];

async function inspectorOf(output: () => string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const url = inspectorUrlIn(output());
    if (url) return url;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no inspector URL in:\n${output()}`);
}

export const memorySuite: Suite = {
  name: 'memory',
  title: 'memory per idle device after a full GC (V8 inspector), and which objects each device costs',
  async run(ctx) {
    const devices = ctx.quick ? 300 : 5_000;
    const [owner] = await ctx.users(1);
    const common = { devices, runId: `${ctx.runId}-mem`, token: owner.token };
    const relay = await startRelay({ nodeArgs: INSPECT });
    let theirs: MemoryResult;
    try {
      theirs = await runWorker<MemoryResult>('memory', { ...common, snapshot: false, target: 'relay', url: relay.url, inspectorUrl: await inspectorOf(relay.output) });
    } finally {
      await relay.stop();
    }
    // Readings, then (on a fresh process) the snapshot pass that says where the bytes are.
    const measureBackend = async (snapshot: boolean, runId: string) => {
      const backend = await startBackend({ redisUrl: ctx.redis.url, env: { LOG_LEVEL: 'warn', ...ctx.benchLimits }, nodeArgs: INSPECT, sourceMaps: false });
      try {
        return await runWorker<MemoryResult>('memory', { ...common, runId, snapshot, target: 'backend', url: backend.url, inspectorUrl: await inspectorOf(backend.logs) });
      } finally {
        await backend.stop();
      }
    };
    const ours = await measureBackend(false, `${ctx.runId}-mem`);
    const shot = await measureBackend(true, `${ctx.runId}-snap`);
    console.log(`   objects each device costs (heap snapshot growth ÷ ${devices}), backend:`);
    for (const g of shot.top ?? []) console.log(`     ${String(g.bytesPerDevice).padStart(6)} B  ×${g.perDevice}  ${g.name}`);
    const scenario = `memory ${devices} dev`;
    const rows: Row[] = [
      { scenario, metric: 'live heap + external per device (after GC)', ours: ours.liveKbPerDevice, baseline: theirs.liveKbPerDevice, ratio: ratio(ours.liveKbPerDevice, theirs.liveKbPerDevice), unit: 'KB' },
      { scenario, metric: 'RSS growth per device', ours: ours.rssKbPerDevice, baseline: theirs.rssKbPerDevice, ratio: ratio(ours.rssKbPerDevice, theirs.rssKbPerDevice), unit: 'KB' },
    ];
    const targets: Target[] = [
      {
        name: 'memory per idle device',
        goal: `≤ ${LIMIT_KB} KB`,
        value: `${ours.liveKbPerDevice} KB live after GC (relay ${theirs.liveKbPerDevice}); RSS growth ${ours.rssKbPerDevice} KB (relay ${theirs.rssKbPerDevice})`,
        met: ours.liveKbPerDevice <= LIMIT_KB,
      },
    ];
    return { data: { devices, backend: ours, relay: theirs, backendHeapGroups: shot.top }, rows, targets };
  },
};
