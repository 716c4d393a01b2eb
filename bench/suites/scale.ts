// Suite 5: scale-out. The same 50-stream load on one backend process and on two processes sharing
// one Redis (devices and chats spread over both, so half the chunks cross nodes through the Redis
// streams adapter). Scaling ratio = two-node events/s ÷ one-node events/s, measured back to back.
import { startBackend } from '../../test/support/backend';
import { runWorker } from '../lib/procs';
import { ratio } from '../lib/stats';
import type { StreamParams, StreamResult } from '../scenarios/stream';
import type { Suite } from './context';
import { BATCH } from './stream';

export const scaleSuite: Suite = {
  name: 'scale',
  title: '50 streams on 1 vs 2 backend processes (one Redis, streams adapter)',
  async run(ctx) {
    const streams = ctx.quick ? 10 : 50;
    const durationMs = ctx.quick ? 2_000 : 8_000;
    const second = await startBackend({ redisUrl: ctx.redis.url, env: { LOG_LEVEL: 'warn', ...ctx.benchLimits }, sourceMaps: false });
    ctx.cleanup(() => second.stop());
    const users = await ctx.users(streams);
    const base: Omit<StreamParams, 'urls' | 'runId'> = { target: 'backend', streams, durationMs, batch: BATCH, tokens: users.map((u) => u.token) };
    const one = await runWorker<StreamResult>('stream', { ...base, urls: [ctx.backend.url], runId: `${ctx.runId}-n1` });
    const two = await runWorker<StreamResult>('stream', { ...base, urls: [ctx.backend.url, second.url], runId: `${ctx.runId}-n2` });
    const scaling = ratio(two.eventsPerSecond, one.eventsPerSecond);
    return {
      data: { one, two, scaling },
      rows: [
        { scenario: `scale ×${streams} streams`, metric: 'events/s, 1 node', ours: one.eventsPerSecond, unit: 'ev/s' },
        { scenario: `scale ×${streams} streams`, metric: 'events/s, 2 nodes', ours: two.eventsPerSecond, ratio: scaling, unit: 'ev/s (ratio: 2 nodes ÷ 1)' },
        { scenario: `scale ×${streams} streams`, metric: 'server CPU, 1 / 2 nodes', ours: `${one.cpuCores} / ${two.cpuCores}`, unit: 'cores' },
      ],
      targets: [],
    };
  },
};
