// The built `wegent-executor` (extension/dist/cli.js) as a child process, for tests that run the CLI
// against a real stack: its output, its exit, and its device id once the backend lists it.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../../../test/support/backend';
import { waitFor } from '../../../test/support/wait';

export const CLI = path.join(REPO_ROOT, 'extension', 'dist', 'cli.js');

export function buildCli(): void {
  execFileSync(process.execPath, ['esbuild.mjs', '--only', 'executor'], { cwd: REPO_ROOT, stdio: 'ignore' });
}

export interface CliRun {
  proc: ChildProcess;
  output(): string;
  exit: Promise<number | null>;
}

/** WEGENT_TOKEN / WEGENT_BACKEND_URL of the test's own environment never leak into the run. */
export function runCli(args: string[], env: Record<string, string> = {}, options: SpawnOptions = {}): CliRun {
  let out = '';
  const proc = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, WEGENT_TOKEN: '', WEGENT_TOKEN_FILE: '', WEGENT_BACKEND_URL: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...options });
  proc.stdout!.on('data', (d: Buffer) => (out += d));
  proc.stderr!.on('data', (d: Buffer) => (out += d));
  // 'close', not 'exit': the output is complete only once the pipes are closed.
  const exit = new Promise<number | null>((r) => proc.once('close', (code) => r(code)));
  return { proc, output: () => out, exit };
}

export async function exitWithin(run: CliRun, ms: number): Promise<number | null> {
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms));
  const code = await Promise.race([run.exit, timer]);
  if (code === 'timeout') {
    run.proc.kill('SIGKILL');
    assert.fail(`wegent-executor did not exit within ${ms} ms:\n${run.output()}`);
  }
  return code;
}

/** The device id of a run once the backend lists it online under `name`. */
export async function onlineDevice(run: CliRun, backendUrl: string, token: string, name: string): Promise<string> {
  const device = await waitFor(async () => {
    if (run.proc.exitCode !== null) throw new Error(`wegent-executor exited (${run.proc.exitCode}):\n${run.output()}`);
    const list = await (await fetch(`${backendUrl}/api/devices`, { headers: { authorization: `Bearer ${token}` } })).json();
    return (list.devices as Array<{ device_id: string; name: string; status: string }>).find((d) => d.name === name && d.status !== 'offline');
  }, { timeout: 60_000, interval: 100, message: `wegent-executor "${name}" never came online` });
  return device.device_id;
}
