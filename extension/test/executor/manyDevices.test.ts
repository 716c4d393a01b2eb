// Issue 15 with the built `wegent-executor` (extension/dist/cli.js): several executors on one machine
// (one data dir, one hardware id) are devices of their own, one per folder, all online at once; a
// task sent to each runs in that one's folder; a restart keeps the id; the only true duplicate — a
// second executor on the same folder — takes over and the first one stops with advice that works.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DeviceList } from '@wegent/shared';
import { REPO_ROOT } from '../../../test/support/backend';
import { api } from '../../../test/support/clients';
import { reply, text, toolUse } from '../../../test/support/modelServer';
import { waitFor } from '../../../test/support/wait';
import { startStack, type Stack } from './stack';
import { tempDir } from './tmp';

const CLI = path.join(REPO_ROOT, 'extension', 'dist', 'cli.js');

interface CliRun {
  proc: ChildProcess;
  output(): string;
  exit: Promise<number | null>;
}

describe('executor: many executors on one machine, one device per folder', function () {
  this.timeout(180_000);
  let stack: Stack;
  const runs: CliRun[] = [];
  const dataDir = tempDir('shared-data'); // one machine: every executor here shares it

  before(async function () {
    this.timeout(120_000);
    execFileSync(process.execPath, ['esbuild.mjs', '--only', 'executor'], { cwd: REPO_ROOT, stdio: 'ignore' });
    stack = await startStack();
  });
  after(async () => {
    for (const r of runs) if (r.proc.exitCode === null) r.proc.kill('SIGKILL');
    await stack?.stop();
  });

  function start(workspace: string): CliRun {
    const args = ['--backend-url', stack.backend.url, '--token', stack.user.token, '--workspace', workspace, '--data-dir', dataDir, '--permission-mode', 'acceptEdits', '--json'];
    let out = '';
    const proc = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...stack.model.claudeEnv(stack.claudeConfigDir) }, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (d: Buffer) => (out += d));
    proc.stderr!.on('data', (d: Buffer) => (out += d));
    const run = { proc, output: () => out, exit: new Promise<number | null>((r) => proc.once('exit', (code) => r(code))) };
    runs.push(run);
    return run;
  }

  /** The id the executor logged when it came online. */
  async function onlineId(run: CliRun): Promise<string> {
    const line = await waitFor(() => run.output().split('\n').find((l) => l.includes('is online')), { timeout: 60_000, message: `executor online:\n${run.output()}` });
    return (JSON.parse(line) as { device_id: string }).device_id;
  }

  const devices = async () => (await api<DeviceList>(stack.backend.url, 'GET', '/api/devices', { token: stack.user.token })).body.devices;

  it('two folders: two devices online at once, named by folder, each running its own tasks in its own folder; a restart keeps the id', async () => {
    const [a, b] = [tempDir('alpha'), tempDir('beta')];
    const [runA, runB] = [start(a), start(b)];
    const [idA, idB] = [await onlineId(runA), await onlineId(runB)];
    assert.notEqual(idA, idB);
    const listed = await devices();
    const machine = `${os.type()} - ${os.hostname()}`;
    for (const [id, folder] of [[idA, a], [idB, b]] as const) {
      const d = listed.find((x) => x.device_id === id);
      assert.equal(d?.status, 'online', `${folder} online`);
      assert.equal(d?.name, `${machine} · ${path.basename(folder)}`);
    }
    for (const [marker, id] of [['MANY-A', idA], ['MANY-B', idB]] as const) {
      stack.model.script(marker, reply(toolUse('Write', { file_path: 'landed.txt', content: `${marker}\n` })), reply(text(`wrote ${marker}`)));
      const sent = await stack.chat.sendOk({ device_id: id, message: `${marker} write where you are` });
      const done = await stack.chat.waitForDone(sent.subtask_id, 90_000);
      assert.equal(done.status, 'completed', JSON.stringify(done.error));
    }
    assert.equal(readFileSync(path.join(a, 'landed.txt'), 'utf8'), 'MANY-A\n');
    assert.equal(readFileSync(path.join(b, 'landed.txt'), 'utf8'), 'MANY-B\n');
    // Both still online: neither took the other's place.
    assert.equal(runA.proc.exitCode, null, runA.output());
    assert.equal(runB.proc.exitCode, null, runB.output());
    // Deleting one from the device list removes only that one (and, running, it registers again: S14).
    assert.equal((await api(stack.backend.url, 'DELETE', `/api/devices/${idB}`, { token: stack.user.token })).status, 204);
    assert.equal((await devices()).find((d) => d.device_id === idA)?.status, 'online');
    await waitFor(async () => (await devices()).some((d) => d.device_id === idB), { timeout: 30_000, message: 'the running executor registered again' });
    // Restart: the same folder is the same device.
    runA.proc.kill('SIGTERM');
    assert.equal(await runA.exit, 0);
    assert.equal(await onlineId(start(a)), idA);
  });

  it('the same folder twice: the newer one takes over, the older one exits 5 saying what actually helps', async () => {
    const folder = tempDir('same');
    const first = start(folder);
    const id = await onlineId(first);
    const second = start(folder);
    assert.equal(await onlineId(second), id, 'one folder, one device');
    assert.equal(await first.exit, 5, first.output());
    assert.match(first.output(), /Another executor for the same folder/);
    assert.match(first.output(), /stop the other executor, or run this one on another folder \(--workspace DIR\)/);
    assert.doesNotMatch(first.output(), /data dir/, 'a fresh --data-dir would not help: no such advice');
    assert.equal(existsSync(path.join(dataDir, 'device_id')), false, 'a fresh machine has no machine-wide id file');
  });
});
