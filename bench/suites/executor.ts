// Suite 4: executor overhead against a direct query() turn, both on the scripted model server.
import { runWorker } from '../lib/procs';
import type { ExecutorResult } from '../scenarios/executor';
import type { Suite } from './context';

export const executorSuite: Suite = {
  name: 'executor',
  title: 'task:execute received → first SDK message, vs query() directly (real Agent SDK, scripted model)',
  async run(ctx) {
    const [owner] = await ctx.users(1);
    const r = await runWorker<ExecutorResult>('executor', { url: ctx.backend.url, token: owner.token, turns: ctx.quick ? 2 : 8, runId: ctx.runId });
    const m = r.medians;
    return {
      data: r,
      rows: [
        { scenario: 'executor', metric: 'to first SDK message (median)', ours: m.executorFirst, baseline: m.directFirst, unit: 'ms (baseline: direct query())' },
        { scenario: 'executor', metric: 'whole turn (median)', ours: m.executorTurn, baseline: m.directTurn, unit: 'ms (baseline: direct query())' },
        { scenario: 'executor', metric: 'overhead to first message', ours: `${r.firstOverheadPct}%`, unit: 'of a direct turn' },
      ],
      targets: [
        { name: 'executor overhead', goal: '≤ 5% of a direct query() turn', value: `${r.firstOverheadPct}% to the first message, ${r.turnOverheadPct}% over the whole turn`, met: r.firstOverheadPct <= 5 },
      ],
    };
  },
};
