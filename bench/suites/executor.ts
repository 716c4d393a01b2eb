// Suite 4: what a user waits for on the device — ours (warm Claude Code) against query() directly,
// for a new conversation and for a follow-up, all on the scripted model server, in the same run.
import { runWorker } from '../lib/procs';
import type { ExecutorResult, Figure } from '../scenarios/executor';
import type { Suite } from './context';

const show = (f: Figure) => `${f.median} (${f.min}–${f.max})`;
const ratio = (a: Figure, b: Figure) => Math.round((100 * a.median) / b.median) / 100;

export const executorSuite: Suite = {
  name: 'executor',
  title: 'task:execute received → first SDK message / first text, warm Claude Code vs query() directly (real Agent SDK, scripted model)',
  async run(ctx) {
    const [owner] = await ctx.users(1);
    const r = await runWorker<ExecutorResult>('executor', { url: ctx.backend.url, token: owner.token, turns: ctx.quick ? 2 : 6, runId: ctx.runId });
    // Targets on the first text token: what the user sees move (the first SDK message of a warm
    // process can be a line it had ready, which would flatter us).
    const newRatio = ratio(r.text.oursNew, r.text.directNew);
    const followRatio = ratio(r.text.oursFollowUp, r.text.directResumed);
    return {
      data: r,
      rows: [
        { scenario: 'executor', metric: 'new conversation: to first SDK message, median (min–max)', ours: show(r.first.oursNew), baseline: show(r.first.directNew), ratio: ratio(r.first.oursNew, r.first.directNew), unit: 'ms (baseline: direct query())' },
        { scenario: 'executor', metric: 'new conversation: to first text', ours: show(r.text.oursNew), baseline: show(r.text.directNew), ratio: newRatio, unit: 'ms (baseline: direct query())' },
        { scenario: 'executor', metric: 'follow-up: to first SDK message', ours: show(r.first.oursFollowUp), baseline: show(r.first.directResumed), ratio: ratio(r.first.oursFollowUp, r.first.directResumed), unit: 'ms (baseline: resumed query())' },
        { scenario: 'executor', metric: 'follow-up: to first text', ours: show(r.text.oursFollowUp), baseline: show(r.text.directResumed), ratio: followRatio, unit: 'ms (baseline: resumed query())' },
        { scenario: 'executor', metric: 'whole turn, new / follow-up', ours: `${show(r.turn.oursNew)} / ${show(r.turn.oursFollowUp)}`, baseline: `${show(r.turn.directNew)} / ${show(r.turn.directResumed)}`, unit: 'ms' },
        { scenario: 'executor', metric: 'warm processes RSS: spare / spare + one live conversation', ours: `${r.warmRssMb.spare} / ${r.warmRssMb.spareAndLive}`, unit: 'MB' },
      ],
      targets: [
        { name: 'new conversation, task:execute → first text', goal: '≤ 0.7× direct query()', value: `${newRatio}× (median ${show(r.text.oursNew)} vs ${show(r.text.directNew)} ms)`, met: newRatio <= 0.7 },
        { name: 'follow-up, task:execute → first text', goal: '≤ 0.5× a resumed direct query()', value: `${followRatio}× (median ${show(r.text.oursFollowUp)} vs ${show(r.text.directResumed)} ms)`, met: followRatio <= 0.5 },
      ],
    };
  },
};
