// Processes the bench runs: the bare relay (baseline server), load-generator workers (one scenario
// each, forked, answering over IPC), and the CPU/RSS readings of a server process.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

export const BENCH_DIR = resolve(__dirname, '..');
const TSX = ['--import', 'tsx'];

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

export interface Relay {
  url: string;
  /** Everything it printed (e.g. the inspector's URL when started with --inspect). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts bench/relay.ts in its own process (with extra node flags) and waits for its "listening" line.
 * With `redisUrl` it is the durable relay (each hop stored by one Lua call first, see relay.ts).
 */
export async function startRelay(opts: { timeoutMs?: number; nodeArgs?: string[]; redisUrl?: string } = {}): Promise<Relay> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const env = { ...process.env, ...(opts.redisUrl ? { RELAY_REDIS_URL: opts.redisUrl } : {}) };
  const child = track(spawn(process.execPath, [...TSX, ...(opts.nodeArgs ?? []), join(BENCH_DIR, 'relay.ts')], { stdio: ['ignore', 'pipe', 'pipe'], env }));
  let out = '';
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`relay did not start within ${timeoutMs} ms: ${out}`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(/relay listening on (\S+)/);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`relay exited (${code}): ${out}`));
    });
  });
  return {
    url,
    output: () => out,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

/** Answers a worker's mid-run question (see `ask` in bench/worker.ts), e.g. a barrier between workers. */
export type WorkerQuestions = (question: unknown) => Promise<unknown> | unknown;

/**
 * Runs one scenario in a forked load-generator process (bench/worker.ts) and resolves with what it
 * reports. The worker is bounded: it is killed after `timeoutMs`.
 */
export function runWorker<T>(scenario: string, params: object, timeoutMs = 10 * 60_000, questions?: WorkerQuestions): Promise<T> {
  const child = track(fork(join(BENCH_DIR, 'worker.ts'), [], { execArgv: TSX, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  return new Promise<T>((ok, fail) => {
    let settled = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(new Error(`worker "${scenario}" did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    const finish = (err: Error | null, value?: T) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) fail(err);
      else ok(value as T);
    };
    child.on('message', (m: { ok: boolean; result?: T; error?: string; ask?: number; question?: unknown }) => {
      if (m.ask !== undefined) {
        void Promise.resolve(questions?.(m.question)).then((answer) => child.connected && child.send({ answer: m.ask, value: answer }));
        return;
      }
      if (m.ok) finish(null, m.result);
      else finish(new Error(`worker "${scenario}" failed: ${m.error}`));
    });
    child.once('exit', (code) => finish(new Error(`worker "${scenario}" exited (${code}) without a result`)));
    child.send({ scenario, params });
  });
}

export interface ProcStats {
  cpuSeconds: number;
  rssBytes: number;
  /** Backend only: the longest event-loop delay since the previous scrape (prom-client resets it), ms. */
  loopLagMaxMs?: number;
}

/** The backend's own process figures from its Prometheus endpoint (prom-client default metrics). */
export async function backendStats(url: string): Promise<ProcStats> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string) => Number(text.match(new RegExp(`^${name} ([0-9.e+-]+)`, 'm'))?.[1] ?? NaN);
  return {
    cpuSeconds: read('wegent_process_process_cpu_seconds_total'),
    rssBytes: read('wegent_process_process_resident_memory_bytes'),
    loopLagMaxMs: Math.round(read('wegent_process_nodejs_eventloop_lag_max_seconds') * 1e4) / 10,
  };
}

export async function relayStats(url: string): Promise<ProcStats> {
  const s = (await (await fetch(`${url}/stats`)).json()) as { cpu_s: number; rss: number };
  return { cpuSeconds: s.cpu_s, rssBytes: s.rss };
}

/**
 * Devices a suite closed are taken offline by the backend's monitor in a burst (each one a few Redis
 * calls); wait for that to finish so it does not land in the next measurement.
 */
export async function settle(url: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await (await fetch(`${url}/metrics`)).text().catch(() => '');
    const online = Number(text.match(/^wegent_online_devices (\S+)/m)?.[1] ?? 0);
    if (online === 0) return;
    if (Date.now() > deadline) return console.log(`   (still ${online} devices online after ${timeoutMs / 1000} s; going on)`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
