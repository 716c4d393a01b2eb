// The built `wegent-executor` (extension/dist/cli.js) as a child process against the real backend:
// refused tokens exit with a clear message and no retry storm, a killed executor's task fails at the
// TTL, SIGTERM drains (finishes what can finish, cancels and reports the rest, exits 0), logs never
// show the token.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { issueToken } from '../../../test/support/backend';
import { waitFor } from '../../../test/support/wait';
import { reply, text } from '../../../test/support/modelServer';
import { CLI, buildCli, exitWithin, runCli, type CliRun } from './cliProcess';
import { startStack, type Stack } from './stack';
import { tempDir } from './tmp';

describe('executor: wegent-executor CLI process', function () {
  this.timeout(120_000);
  let stack: Stack;
  const runs: CliRun[] = [];

  before(async function () {
    this.timeout(120_000);
    buildCli();
    stack = await startStack();
  });
  after(async () => {
    for (const r of runs) if (r.proc.exitCode === null) r.proc.kill('SIGKILL');
    await stack?.stop();
  });

  /** The backend's count of refused tokens with this code (Prometheus text from /metrics). */
  async function authFailures(code: string): Promise<number> {
    const metrics = await (await fetch(`${stack.backend.url}/metrics`)).text();
    const line = metrics.split('\n').find((l) => l.startsWith('wegent_auth_failures_total') && l.includes(`code="${code}"`));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  function start(extra: string[], env: Record<string, string> = {}): CliRun {
    const run = runCli(['--backend-url', stack.backend.url, '--workspace', tempDir('ws'), '--data-dir', tempDir('data'), ...extra], { ...stack.model.claudeEnv(stack.claudeConfigDir), ...env });
    runs.push(run);
    return run;
  }

  it('exits 3 with an actionable message for an invalid token, after one attempt (no retry storm)', async () => {
    const before = await authFailures('AUTH_INVALID');
    const run = start(['--token', 'not-a-real-token']);
    assert.equal(await exitWithin(run, 30_000), 3, run.output());
    assert.match(run.output(), /did not accept the API token/);
    assert.match(run.output(), /Settings → API Token/);
    assert.equal((await authFailures('AUTH_INVALID')) - before, 1, 'the backend saw exactly one refused attempt');
    assert.ok(!run.output().includes('not-a-real-token'), 'the token is never printed');
  });

  it('exits 3 saying the token expired and how to get a new one', async () => {
    const { token } = await issueToken(stack.backend, stack.user.userId, { ttlS: 1 });
    await new Promise((r) => setTimeout(r, 1500)); // the token's own lifetime, not a wait for the system
    const run = start(['--token', token]);
    assert.equal(await exitWithin(run, 30_000), 3, run.output());
    assert.match(run.output(), /Your API token has expired\. Generate a new one in Wegent → Settings → API Token/);
    assert.ok(!run.output().includes(token));
  });

  it('a killed executor process: the backend fails its running task at the TTL', async () => {
    const run = start(['--token', stack.user.token, '--name', 'Killed box', '--json']);
    await waitFor(() => /"msg":"Device \\"Killed box\\" is online"/.test(run.output()), { timeout: 30_000, message: `never online:\n${run.output()}` });
    const deviceId = JSON.parse(run.output().split('\n').find((l) => l.includes('is online'))!).device_id as string;
    stack.model.script('KILL-ME', reply(text('working on it'), { hang: true }));
    const sent = await stack.chat.sendOk({ device_id: deviceId, message: 'KILL-ME now' });
    await waitFor(() => stack.chat.text(sent.subtask_id).length > 0, { timeout: 60_000, message: 'task streaming before the kill' });
    run.proc.kill('SIGKILL');
    const done = await stack.chat.waitForDone(sent.subtask_id, 30_000);
    assert.equal(done.status, 'failed');
    assert.equal(done.error?.code, 'DEVICE_OFFLINE');
    for (const line of run.output().trim().split('\n')) JSON.parse(line); // --json: every line is JSON
    assert.ok(!run.output().includes(stack.user.token), 'the token is never logged');
  });

  it('SIGTERM drains: no new tasks, a task that finishes in the grace period completes, the rest are cancelled and reported, exit 0', async () => {
    const run = start(['--token', stack.user.token, '--name', 'Drain box', '--grace', '4']);
    await waitFor(() => run.output().includes('Device "Drain box" is online'), { timeout: 30_000, message: `never online:\n${run.output()}` });
    const list = await (await fetch(`${stack.backend.url}/api/devices`, { headers: { authorization: `Bearer ${stack.user.token}` } })).json();
    const deviceId = list.devices.find((d: { name: string; status: string }) => d.name === 'Drain box' && d.status !== 'offline').device_id as string;
    let release!: () => void;
    stack.model.script('DRAIN-FINISH', reply(text('finishing'), { gate: new Promise<void>((r) => (release = r)) }));
    stack.model.script('DRAIN-HANG', reply(text('never ends'), { hang: true }));
    const finish = await stack.chat.sendOk({ device_id: deviceId, message: 'DRAIN-FINISH' });
    const hang = await stack.chat.sendOk({ device_id: deviceId, message: 'DRAIN-HANG' });
    await waitFor(() => stack.chat.text(finish.subtask_id) && stack.chat.text(hang.subtask_id), { timeout: 60_000, message: 'both streaming' });

    run.proc.kill('SIGTERM');
    await waitFor(() => run.output().includes('SIGTERM: stopping'), { timeout: 10_000, message: 'drain announced' });
    const refused = await stack.chat.sendOk({ device_id: deviceId, message: 'DRAIN-LATE' }).catch(() => undefined);
    release();
    assert.equal(await exitWithin(run, 60_000), 0, run.output());
    assert.equal((await stack.chat.waitForDone(finish.subtask_id)).status, 'completed');
    const cancelled = await stack.chat.waitForDone(hang.subtask_id);
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(stack.model.requestsFor('DRAIN-LATE').length, 0, 'no new task ran during the drain');
    if (refused) assert.notEqual(stack.chat.doneFor(refused.subtask_id)?.status, 'completed');
  });

  it('prints --help with the exit codes and --version', () => {
    const help = execFileSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
    assert.match(help, /--mode local\|cloud/);
    assert.match(help, /Exit codes/);
    assert.match(execFileSync(process.execPath, [CLI, '--version'], { encoding: 'utf8' }), /^\d+\.\d+\.\d+/);
  });
});
