// Suite 2: stream throughput with persistence on, 1 and 50 concurrent streams: the bare relay, the
// durable relay (each message stored by one Redis call before it is passed on), then the backend.
import { runWorker } from '../lib/procs';
import { ratio } from '../lib/stats';
import type { StreamParams, StreamResult } from '../scenarios/stream';
import type { Row, Target } from '../lib/report';
import type { Suite } from './context';

export const BATCH = 10;

export const streamSuite: Suite = {
  name: 'stream',
  title: 'events/s device → chat (persisted), backend CPU and RSS',
  async run(ctx) {
    const counts = [1, 50];
    const durationMs = ctx.quick ? 2_000 : 8_000;
    const users = await ctx.users(Math.max(...counts));
    const data: { streams: number; relay: StreamResult; durableRelay: StreamResult; backend: StreamResult }[] = [];
    const rows: Row[] = [];
    for (const streams of counts) {
      const base: Omit<StreamParams, 'target' | 'urls'> = { streams, durationMs, batch: BATCH, runId: ctx.runId };
      const relay = await runWorker<StreamResult>('stream', { ...base, target: 'relay', urls: [ctx.relay.url] });
      const durableRelay = await runWorker<StreamResult>('stream', { ...base, target: 'relay', urls: [ctx.durableRelay.url] });
      const backend = await runWorker<StreamResult>('stream', { ...base, target: 'backend', urls: [ctx.backend.url], tokens: users.slice(0, streams).map((u) => u.token) });
      data.push({ streams, relay, durableRelay, backend });
      const s = `stream ×${streams}`;
      const eps = backend.eventsPerSecond;
      rows.push({
        scenario: s, metric: 'events/s', ours: eps, baseline: relay.eventsPerSecond, ratio: ratio(eps, relay.eventsPerSecond),
        floor: durableRelay.eventsPerSecond, floorRatio: ratio(eps, durableRelay.eventsPerSecond), unit: 'ev/s',
      });
      rows.push({ scenario: s, metric: 'server CPU', ours: backend.cpuCores, baseline: relay.cpuCores, floor: durableRelay.cpuCores, unit: 'cores' });
      rows.push({ scenario: s, metric: 'server RSS', ours: backend.rssMb, baseline: relay.rssMb, floor: durableRelay.rssMb, unit: 'MB' });
    }
    const best = data.reduce((a, b) => (b.backend.eventsPerSecond > a.backend.eventsPerSecond ? b : a));
    const targets: Target[] = [
      { name: 'stream throughput, one backend process', goal: '≥ 20,000 events/s', value: `${best.backend.eventsPerSecond} ev/s (${best.streams} streams)`, met: best.backend.eventsPerSecond >= 20_000 },
      ...data.map((d) => ({
        name: `stream ×${d.streams} vs relay`,
        goal: '≥ 0.5× bare relay',
        value: `${ratio(d.backend.eventsPerSecond, d.relay.eventsPerSecond)}× (relay + Redis: ${ratio(d.durableRelay.eventsPerSecond, d.relay.eventsPerSecond)}×)`,
        met: d.backend.eventsPerSecond >= 0.5 * d.relay.eventsPerSecond,
      })),
      // Issue 17: against the durable relay, which stores each message in Redis as we must.
      ...data.map((d) => ({
        name: `stream ×${d.streams} vs relay + Redis`,
        goal: '≥ 0.8× relay + Redis',
        value: `${ratio(d.backend.eventsPerSecond, d.durableRelay.eventsPerSecond)}× (${d.backend.eventsPerSecond} / ${d.durableRelay.eventsPerSecond} ev/s)`,
        met: d.backend.eventsPerSecond >= 0.8 * d.durableRelay.eventsPerSecond,
      })),
      {
        name: `backend RSS while streaming ×${best.streams}`,
        goal: '≤ 1.5× relay + Redis',
        value: `${ratio(best.backend.rssMb, best.durableRelay.rssMb)}× (${best.backend.rssMb} / ${best.durableRelay.rssMb} MB)`,
        met: best.backend.rssMb <= 1.5 * best.durableRelay.rssMb,
      },
    ];
    return { data, rows, targets };
  },
};
