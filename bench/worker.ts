// A load-generator process: receives {scenario, params} over IPC from bench/run.ts, runs it, answers
// {ok, result | error} and exits. Bounded: it exits by itself if it outlives its budget.
import { dispatch } from './scenarios/dispatch';
import { stream } from './scenarios/stream';
import { capacity, offline } from './scenarios/presence';
import { executorOverhead } from './scenarios/executor';
import { memory } from './scenarios/memory';
import { storm } from './scenarios/storm';

const scenarios: Record<string, (params: any) => Promise<unknown>> = { dispatch, stream, capacity, offline, executor: executorOverhead, memory, storm };

const budget = setTimeout(() => {
  process.stderr.write('bench worker: time budget exceeded, exiting\n');
  process.exit(3);
}, 15 * 60_000);
budget.unref();

process.once('message', async (m: { scenario: string; params: object }) => {
  const run = scenarios[m.scenario];
  try {
    if (!run) throw new Error(`unknown scenario "${m.scenario}"`);
    const result = await run(m.params);
    process.send!({ ok: true, result }, () => process.exit(0));
  } catch (err) {
    process.send!({ ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) }, () => process.exit(1));
  }
});
