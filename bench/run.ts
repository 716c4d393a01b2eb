// `npm run bench`: the benchmark of the real stack (backend processes, Redis) against a bare
// Socket.IO relay measured side by side with the same load generator in the same run.
//   npm run bench                       # everything, full scale
//   npm run bench -- --quick            # small scale (smoke: a minute or so)
//   npm run bench -- --only dispatch,stream
//   npm run bench -- --profile          # backend under --cpu-prof → bench/profiles/*.cpuprofile
//   npm run bench -- --adapter local    # main backend with the in-memory Socket.IO adapter
//   npm run bench -- --repeat 3         # each suite 3 times: median (min–max), a target met by most runs
// Prints a table and writes bench/results.json. Loopback only; every process it starts is stopped.
import { execSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { startRedis, type TestRedis } from '../test/support/redis';
import { createUser, startBackend, type TestBackend } from '../test/support/backend';
import { BENCH_DIR, settle, startRelay, type Relay } from './lib/procs';
import { BENCH_LIMITS } from './lib/limits';
import { summarizeProfile } from './profile';
import { table, targetsTable, type Row, type Target } from './lib/report';
import { mergeRows, mergeTargets } from './lib/repeat';
import { suites, type Context } from './suites';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a, i) => args[i - 1] === '--only');
const only = onlyArg ? new Set(onlyArg.split(',')) : null;
/** --profile: the main backend runs with --cpu-prof; profiles land in bench/profiles (see bench/profile.ts). */
const profile = args.includes('--profile');
const profileArgs = profile ? ['--cpu-prof', `--cpu-prof-dir=${join(BENCH_DIR, 'profiles')}`] : [];
/** --adapter local: the main backend uses the in-memory Socket.IO adapter (one node). */
const adapter = args.find((a, i) => args[i - 1] === '--adapter');
/** --repeat N: each suite N times in a row, merged (lib/repeat.ts). */
const repeat = Math.max(1, Number(args.find((a, i) => args[i - 1] === '--repeat') ?? 1));

async function main(): Promise<void> {
  const started = new Date();
  const loadAtStart = loadavg();
  /** Each suite's duration and the machine's load average as it started (a shared machine). */
  const suiteLog: { suite: string; seconds: number; loadavg: number[] }[] = [];
  const runId = started.getTime().toString(36);
  console.log(`wegent bench ${quick ? '(quick)' : '(full)'}: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const cleanup: (() => Promise<void>)[] = [];
  const rows: Row[] = [];
  const targets: Target[] = [];
  const results: Record<string, unknown> = {};
  /** results.json after every suite (`complete: false` until the end), so a long run stopped early keeps what it measured. */
  const writeResults = (complete: boolean): string => {
    const report = {
      meta: {
        started: started.toISOString(), finished: new Date().toISOString(), complete, quick, repeat, adapter: adapter ?? 'redis-streams', node: process.version, cores: cpus().length,
        cpu: cpus()[0]?.model, loadavg_at_start: loadAtStart, loadavg_at_end: loadavg(), suites: suiteLog, commit: gitCommit(),
      },
      rows, targets, results,
    };
    const file = join(BENCH_DIR, 'results.json');
    writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
    return file;
  };
  try {
    // Persisting as npm start's embedded Redis does, so the figures are those of the real setup.
    const redis: TestRedis = await startRedis({ asEmbedded: true });
    cleanup.push(() => redis.stop());
    const backend: TestBackend = await startBackend({
      redisUrl: redis.url,
      // As `npm start` runs it (see StartBackendOptions.sourceMaps).
      sourceMaps: false,
      // The bench puts thousands of devices, sockets and conversations in a few accounts and streams
      // as fast as it can: the per-account caps, the progress rate limit and the per-subtask stored
      // output caps (abuse limits, issue 11) are lifted so it measures capacity, not the caps.
      env: { LOG_LEVEL: 'warn', ...BENCH_LIMITS, ...(adapter ? { WEGENT_SOCKET_ADAPTER: adapter } : {}) },
      nodeArgs: profileArgs,
    });
    cleanup.push(() => backend.stop());
    const relay: Relay = await startRelay();
    cleanup.push(() => relay.stop());
    const durableRelay: Relay = await startRelay({ redisUrl: redis.url });
    cleanup.push(() => durableRelay.stop());
    const ctx: Context = {
      quick, runId, redis, backend, relay, durableRelay, benchLimits: BENCH_LIMITS, profileArgs,
      users: (n) => Promise.all(Array.from({ length: n }, () => createUser(backend))),
      cleanup: (fn) => cleanup.push(fn),
    };
    for (const suite of suites) {
      if (only && !only.has(suite.name)) continue;
      console.log(`\n== ${suite.name}: ${suite.title}`);
      const t = Date.now();
      const load = loadavg();
      const outs = [];
      try {
        for (let k = 0; k < repeat; k++) {
          // Ids a run creates (devices, conversations) are its own: a repeat registers fresh ones.
          outs.push(await suite.run(k === 0 ? ctx : { ...ctx, runId: `${runId}r${k}` }));
          await settle(backend.url);
        }
      } catch (err) {
        // One suite failing is a result, not the end of an hour's run: say so and go on.
        const message = err instanceof Error ? err.message : String(err);
        console.error(`suite ${suite.name} failed: ${message}`);
        targets.push({ name: `suite ${suite.name}`, goal: 'runs', value: `failed: ${message.split('\n')[0]}`, met: false });
      }
      suiteLog.push({ suite: suite.name, seconds: Math.round((Date.now() - t) / 1000), loadavg: load.map((l) => Math.round(l * 100) / 100) });
      if (outs.length < repeat) {
        writeResults(false);
        continue;
      }
      const merged = { rows: mergeRows(outs.map((o) => o.rows)), targets: mergeTargets(outs.map((o) => o.targets)) };
      // Each run's own rows and targets too: the merged table cannot be taken apart again.
      results[suite.name] = repeat > 1 ? outs.map((o) => ({ data: o.data, rows: o.rows, targets: o.targets })) : outs[0].data;
      rows.push(...merged.rows);
      targets.push(...merged.targets);
      console.log(table(merged.rows));
      writeResults(false);
      console.log(`   (${((Date.now() - t) / 1000).toFixed(1)} s${repeat > 1 ? `, ${repeat} runs` : ''}; load average at its start ${load.map((l) => l.toFixed(2)).join(' ')})`);
    }
  } finally {
    for (const fn of cleanup.reverse()) await fn().catch((err) => console.error('cleanup failed:', err));
  }
  if (profile) summarizeProfiles(started.getTime());
  const file = writeResults(true);
  console.log('\n== results (ratios are wegent / bare Socket.IO relay, same run)\n');
  console.log(table(rows));
  console.log('\n== targets\n');
  console.log(targetsTable(targets));
  console.log(`\nwritten to ${file}`);
}

/** Writes NAME.txt beside each profile of this run while the backend bundle (for source maps) exists. */
function summarizeProfiles(since: number): void {
  const dir = join(BENCH_DIR, 'profiles');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.cpuprofile'))) {
    const file = join(dir, f);
    if (statSync(file).mtimeMs < since) continue;
    const text = summarizeProfile(file, 40);
    writeFileSync(file.replace(/\.cpuprofile$/, '.txt'), text + '\n');
    console.log(`\n== profile ${f}\n${text.split('\n').slice(0, 30).join('\n')}`);
  }
}

function gitCommit(): string | undefined {
  try {
    return execSync('git rev-parse --short HEAD', { cwd: BENCH_DIR, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return undefined;
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  },
);
