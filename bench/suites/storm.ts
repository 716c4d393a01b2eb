// Suite 8: a reconnect storm. A backend of its own (own Redis, default timings, the bench's lifted
// caps) holds N devices, some running tasks; it is restarted (SIGTERM, start on the same port) and
// every device comes back at once. Time from listening to the last device re-registered, heartbeat
// ack p99 meanwhile, and no task lost; `rounds` restarts on the same devices, median (min–max).
import { startRedis } from '../../test/support/redis';
import { createUser, startBackend } from '../../test/support/backend';
import { runWorker } from '../lib/procs';
import { median, round } from '../lib/stats';
import type { StormRestart, StormRound } from '../scenarios/storm';
import type { Row, Target } from '../lib/report';
import type { Suite } from './context';

const BACK_WITHIN_MS = 10_000;
const HB_P99_MS = 50;

const spread = (xs: number[]) => (!xs.length ? '—' : xs.some(Number.isNaN) ? 'NaN' : `${round(median(xs), 0)} (${round(Math.min(...xs), 0)}–${round(Math.max(...xs), 0)})`);

export const stormSuite: Suite = {
  name: 'storm',
  title: 'reconnect storm: backend restarted under N devices with running tasks — all back, heartbeat p99, no task lost',
  async run(ctx) {
    const devices = ctx.quick ? 500 : 10_000;
    const workers = ctx.quick ? 1 : 4;
    const rounds = 3;
    const taskEvery = 10;
    const redis = await startRedis({ asEmbedded: true });
    const backend = await startBackend({ redisUrl: redis.url, sourceMaps: false, env: { LOG_LEVEL: 'warn', ...ctx.benchLimits }, nodeArgs: ctx.profileArgs });
    const restarts: (StormRestart & { restartMs: number })[] = [];
    let parts: StormRound[][];
    try {
      const owner = await createUser(backend);
      // Barriers: 'calm' (all back from the last round? go on only if every generator is) and
      // 'ready' (tasks running everywhere → one restart → every generator hears when it was up).
      const waiting = new Map<string, { q: { calm?: boolean }; res: (v: unknown) => void }[]>();
      const questions = async (question: unknown) => {
        const q = question as { phase: 'calm' | 'ready'; round: number; calm?: boolean };
        const key = `${q.phase}:${q.round}`;
        const here = waiting.get(key) ?? [];
        const answer = new Promise<unknown>((res) => here.push({ q, res }));
        waiting.set(key, here);
        if (here.length < workers) return answer;
        waiting.delete(key);
        if (q.phase === 'calm') {
          const goOn = here.every((w) => w.q.calm);
          for (const w of here) w.res(goOn);
        } else {
          const downAt = Date.now();
          await backend.restart();
          const upAt = Date.now();
          restarts.push({ downAt, upAt, restartMs: upAt - downAt });
          for (const w of here) w.res({ downAt, upAt } satisfies StormRestart);
        }
        return answer;
      };
      parts = await Promise.all(
        Array.from({ length: workers }, (_, k) =>
          runWorker<StormRound[]>('storm', { url: backend.url, token: owner.token, devices: Math.round(devices / workers), taskEvery, rounds, runId: `${ctx.runId}-w${k}` }, 15 * 60_000, questions),
        ),
      );
    } catch (err) {
      // A generator that failed is a result too (the storm did not recover), not the end of the bench.
      console.error(`storm failed: ${err instanceof Error ? err.message : err}\nstorm backend's last output:\n${backend.logs().slice(-3000)}`);
      parts = [];
    } finally {
      await backend.stop();
      await redis.stop();
    }
    // Rounds every generator reported (after a round that did not recover they stop together).
    const reported = parts.length ? Math.min(...parts.map((p) => p.length)) : 0;
    const perRound = restarts.slice(0, reported).map((rs, r) => {
      const at = parts.map((p) => p[r]);
      const worst = at.reduce((a, b) => (b.heartbeat.p99 > a.heartbeat.p99 ? b : a));
      return {
        ...rs,
        backMs: Math.max(...at.map((x) => x.lastOnlineAt)) - rs.upAt,
        missing: at.reduce((n, x) => n + x.missing, 0),
        registerP99: Math.max(...at.map((x) => x.register.p99)),
        attemptsMax: Math.max(...at.map((x) => x.attempts.max)),
        hbP99: worst.heartbeat.p99,
        hbN: at.reduce((n, x) => n + x.heartbeat.n, 0),
        beatsFailed: at.reduce((n, x) => n + x.beatsFailed, 0),
        refusals: at.reduce((n, x) => n + Object.values(x.refusals).reduce((a, b) => a + b, 0), 0),
        tasks: at.reduce((n, x) => n + x.tasks, 0),
        unstarted: at.reduce((n, x) => n + x.unstarted, 0),
        lost: at.reduce((n, x) => n + x.lost, 0),
      };
    });
    const col = <K extends keyof (typeof perRound)[number]>(k: K) => perRound.map((x) => x[k] as number);
    const scenario = `storm ${devices} dev`;
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const lost = sum(col('lost'));
    const complete = perRound.length === rounds;
    const rows: Row[] = [
      { scenario, metric: 'all re-registered, after listening', ours: spread(col('backMs')), unit: 'ms median (min–max)' },
      { scenario, metric: 'backend restart (SIGTERM → listening)', ours: spread(col('restartMs')), unit: 'ms median (min–max)' },
      { scenario, metric: 'reconnection attempts a device needed, max', ours: spread(col('attemptsMax')), unit: 'attempts (executor back-off: 1 s doubling to 10 s, ±50 %)' },
      { scenario, metric: 'register ack p99', ours: spread(col('registerP99')), unit: 'ms median (min–max)' },
      { scenario, metric: 'heartbeat ack p99 during the storm', ours: spread(col('hbP99')), unit: `ms median (min–max), ${Math.round(median(col('hbN')))} beats a round` },
      { scenario, metric: 'devices not back within 60 s, all rounds', ours: sum(col('missing')), unit: 'devices' },
      { scenario, metric: 'register sent again (no ack in 10 s, or refused), all rounds', ours: sum(col('refusals')), unit: 'registrations' },
      { scenario, metric: 'tasks lost / reclaimed, all rounds', ours: `${lost} / ${sum(col('tasks'))}`, unit: 'tasks' },
    ];
    const backMedian = median(col('backMs'));
    const hbMedian = median(col('hbP99'));
    const targets: Target[] = [
      { name: `reconnect storm, ${devices} devices: all online again`, goal: `≤ ${BACK_WITHIN_MS / 1000} s after the restart`, value: `${spread(col('backMs'))} ms after listening, ${rounds} restarts`, met: complete && devices >= 10_000 && backMedian <= BACK_WITHIN_MS && !col('missing').some((m) => m > 0) },
      { name: 'reconnect storm: heartbeat ack p99 meanwhile', goal: `< ${HB_P99_MS} ms`, value: `${spread(col('hbP99'))} ms`, met: complete && hbMedian < HB_P99_MS },
      { name: 'reconnect storm: no task lost', goal: '0 lost', value: `${lost} lost of ${sum(col('tasks'))} reclaimed, ${perRound.length} of ${rounds} restarts measured`, met: complete && lost === 0 },
    ];
    return { data: { devices, workers, taskEvery, rounds: perRound, parts }, rows, targets };
  },
};
