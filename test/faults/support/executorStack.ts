// The full stack for fault scenarios: a private redis-server (append-only, so it can be killed and
// restarted without losing data), the real backend as a child process, the scripted model server,
// a user, a resuming chat client, and real executors (in process, or the built `wegent-executor`
// CLI as a child process that can be SIGKILLed), all pointed at the real Claude Agent SDK.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, createUser, startBackend, type TestBackend, type TestUser } from '../../support/backend';
import { startModelServer, type ModelServer } from '../../support/modelServer';
import { startRedis, type TestRedis } from '../../support/redis';
import { Executor } from '../../../extension/src/executor/executor';
import type { ExecutorOptions } from '../../../extension/src/executor/api';
import { api } from '../../support/clients';
import { waitFor } from '../../support/wait';
import { ResumingChat } from './resumingChat';

/** Heartbeat 300 ms, online TTL 4 s, monitor 500 ms: short, yet a loaded 2-core machine does not flap. */
export const FAULT_TIMING = { WEGENT_HEARTBEAT_INTERVAL_MS: '300', WEGENT_ONLINE_TTL_MS: '4000', WEGENT_MONITOR_INTERVAL_MS: '500' };
export const TTL_MS = Number(FAULT_TIMING.WEGENT_ONLINE_TTL_MS);

export interface CliExecutor {
  proc: ChildProcess;
  deviceId: string;
  output(): string;
  /** SIGKILL the executor and the Claude Code processes it started (the machine "dies"). */
  killGroup(): void;
}

export interface FaultStack {
  redis: TestRedis;
  backend: TestBackend;
  model: ModelServer;
  user: TestUser;
  chat: ResumingChat;
  executor(options?: Partial<ExecutorOptions>): Promise<Executor>;
  /** The built wegent-executor as a child process, once the backend lists its device (found by `name`). */
  cli(name: string, args?: string[]): Promise<CliExecutor>;
  /** Stops the executors started so far (a failed test must not leave its device running). */
  stopExecutors(): Promise<void>;
  stop(): Promise<void>;
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

// Detached groups outlive a crashed test process unless killed on exit.
const groups = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of groups) killGroup(p);
});

function killGroup(proc: ChildProcess): void {
  groups.delete(proc);
  if (!proc.pid) return;
  try {
    process.kill(-proc.pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

export async function startFaultStack(opts: { env?: Record<string, string>; inProcess?: boolean } = {}): Promise<FaultStack> {
  const dirs: string[] = [];
  const temp = (p: string) => {
    const d = mkdtempSync(join(tmpdir(), `wegent-faults-${p}-`));
    dirs.push(d);
    return d;
  };
  const redis = await startRedis({ appendonly: true });
  const backend = await startBackend({ redisUrl: redis.url, env: { ...FAULT_TIMING, ...opts.env }, inProcess: opts.inProcess });
  const model = await startModelServer();
  const user = await createUser(backend);
  const chat = await ResumingChat.connect(backend.url, user.token);
  const claudeDir = temp('claude');
  const executors: Executor[] = [];
  const procs: ChildProcess[] = [];
  let cliBuilt = false;
  const stopExecutors = async () => {
    const started = executors.splice(0);
    await Promise.all(started.map((e) => e.stop({ graceMs: 2000 }).catch(() => {})));
  };
  return {
    redis, backend, model, user, chat,
    async executor(options = {}) {
      const e = new Executor({
        backendUrl: backend.url, token: user.token, workspace: temp('ws'), dataDir: temp('data'),
        permissionMode: 'acceptEdits', env: model.claudeEnv(claudeDir), logger: silent,
        // Backoff scaled to the 4 s TTL as the defaults (1 s → 10 s) are to 90 s.
        reconnectDelayMs: 100, reconnectDelayMaxMs: 500, ackTimeoutMs: 5000, ...options,
      });
      executors.push(e);
      await e.start();
      return e;
    },
    async cli(name, args = []) {
      if (!cliBuilt) execFileSync(process.execPath, ['esbuild.mjs', '--only', 'executor'], { cwd: REPO_ROOT, stdio: 'ignore' });
      cliBuilt = true;
      let out = '';
      const proc = spawn(process.execPath, [join(REPO_ROOT, 'extension', 'dist', 'cli.js'), '--backend-url', backend.url, '--workspace', temp('ws'), '--data-dir', temp('data'), '--name', name, ...args], {
        env: { ...process.env, ...model.claudeEnv(claudeDir), WEGENT_TOKEN: user.token, WEGENT_BACKEND_URL: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group, so killGroup() takes its Claude Code children down with it.
        detached: true,
      });
      procs.push(proc);
      groups.add(proc);
      proc.stdout!.on('data', (d: Buffer) => (out += d));
      proc.stderr!.on('data', (d: Buffer) => (out += d));
      const device = await waitFor(async () => {
        if (proc.exitCode !== null) throw new Error(`wegent-executor exited (${proc.exitCode}):\n${out}`);
        const list = await api(backend.url, 'GET', '/api/devices', { token: user.token });
        return (list.body.devices as { device_id: string; name: string; status: string }[]).find((d) => d.name === name && d.status !== 'offline');
      }, { timeout: 60_000, interval: 100, message: `wegent-executor "${name}" never came online` });
      return { proc, deviceId: device.device_id, output: () => out, killGroup: () => killGroup(proc) };
    },
    stopExecutors,
    async stop() {
      await stopExecutors();
      for (const p of procs) killGroup(p);
      chat.close();
      await model.close();
      await backend.stop();
      await redis.stop();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}
