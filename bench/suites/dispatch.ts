// Suite 1: dispatch latency at 10, 100 and 1,000 connected devices: at each size the bare relay, the
// durable relay (one Redis round trip per hop: the floor of a stored hop), then the backend.
import { runWorker } from '../lib/procs';
import { ratio } from '../lib/stats';
import type { DispatchParams, DispatchResult } from '../scenarios/dispatch';
import type { Row, Target } from '../lib/report';
import type { Suite } from './context';

export const dispatchSuite: Suite = {
  name: 'dispatch',
  title: 'chat:send → task:execute and task:progress → chat:chunk, p50/p99',
  async run(ctx) {
    const sizes = ctx.quick ? [10, 100] : [10, 100, 1000];
    const samples = ctx.quick ? 100 : 400;
    const [owner] = await ctx.users(1);
    const data: { devices: number; relay: DispatchResult; durableRelay: DispatchResult; backend: DispatchResult }[] = [];
    const rows: Row[] = [];
    for (const devices of sizes) {
      const base: Omit<DispatchParams, 'target' | 'url'> = { devices, samples, warmup: 30, runId: ctx.runId };
      const relay = await runWorker<DispatchResult>('dispatch', { ...base, target: 'relay', url: ctx.relay.url });
      const durableRelay = await runWorker<DispatchResult>('dispatch', { ...base, target: 'relay', url: ctx.durableRelay.url });
      const backend = await runWorker<DispatchResult>('dispatch', { ...base, target: 'backend', url: ctx.backend.url, token: owner.token });
      data.push({ devices, relay, durableRelay, backend });
      for (const [hop, key] of [['send→execute', 'execute'], ['progress→chunk', 'chunk']] as const) {
        for (const p of ['p50', 'p99'] as const) {
          const [ours, floor] = [backend[key][p], durableRelay[key][p]];
          rows.push({ scenario: `dispatch ${devices} dev`, metric: `${hop} ${p}`, ours, baseline: relay[key][p], ratio: ratio(ours, relay[key][p]), floor, floorRatio: ratio(ours, floor), unit: 'ms' });
        }
      }
    }
    const largest = data[data.length - 1];
    const targets: Target[] = [
      ...data.map((d) => ({
        name: `dispatch p50 at ${d.devices} devices`,
        goal: '≤ 1.5× bare relay',
        value: `${ratio(d.backend.execute.p50, d.relay.execute.p50)}× (${d.backend.execute.p50} / ${d.relay.execute.p50} ms; relay + Redis ${d.durableRelay.execute.p50} ms)`,
        met: d.backend.execute.p50 <= 1.5 * d.relay.execute.p50,
      })),
      // Issue 17: within 1.2× of the durable relay (the floor of a hop stored in Redis) at every size.
      ...data.map((d) => ({
        name: `dispatch p50 at ${d.devices} devices vs relay + Redis`,
        goal: '≤ 1.2× relay + Redis',
        value: `${ratio(d.backend.execute.p50, d.durableRelay.execute.p50)}× (${d.backend.execute.p50} / ${d.durableRelay.execute.p50} ms)`,
        met: d.backend.execute.p50 <= 1.2 * d.durableRelay.execute.p50,
      })),
      {
        name: `dispatch p99 at ${largest.devices} devices`,
        goal: '< 5 ms',
        value: `${largest.backend.execute.p99} ms (chunk ${largest.backend.chunk.p99} ms; relay + Redis ${largest.durableRelay.execute.p99} ms)`,
        met: largest.backend.execute.p99 < 5 && largest.devices >= 1000,
      },
    ];
    return { data, rows, targets };
  },
};
