// A task's agent never outlives its executor (issue 18.8): the built wegent-executor runs a task whose
// Bash tool (real Claude Code through the real Agent SDK, scripted by the model server) keeps a shell
// busy; the executor is then SIGKILLed — alone, not its process group, as the OOM killer or `kill -9`
// would — and every process it had started (the guard, Claude Code, the shell, its sleep) must go.
// The same holds when the task is cancelled from the chat. Linux: processes are read from /proc.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { reply, text, toolUse } from '../../../test/support/modelServer';
import { waitFor } from '../../../test/support/wait';
import { buildCli, onlineDevice, runCli, type CliRun } from './cliProcess';
import { startStack, type Stack } from './stack';
import { tempDir } from './tmp';

/** pid → parent pid of every live (non-zombie) process. */
function processTable(): Map<number, number> {
  const table = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state !== 'Z' && state !== 'X') table.set(Number(entry), Number(ppid));
    } catch {
      /* exited meanwhile */
    }
  }
  return table;
}

function descendants(root: number): number[] {
  const table = processTable();
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of table) if (parent === pid) found.push(child), walk(child);
  };
  walk(root);
  return found;
}

const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
};
const alive = (pids: number[]) => {
  const table = processTable();
  return pids.filter((p) => table.has(p));
};

describe('executor: Claude Code never outlives its executor (real CLI, SDK and Claude Code)', function () {
  this.timeout(180_000);
  let stack: Stack;
  const runs: CliRun[] = [];
  const leftovers: number[] = [];

  before(async function () {
    if (process.platform !== 'linux') this.skip();
    this.timeout(120_000);
    buildCli();
    stack = await startStack();
  });
  after(async () => {
    for (const r of runs) if (r.proc.exitCode === null) r.proc.kill('SIGKILL');
    for (const pid of leftovers) {
      try {
        process.kill(pid, 'SIGKILL'); // a failed run must not leave a sleeping shell behind
      } catch {
        /* gone */
      }
    }
    await stack?.stop();
  });

  /** Starts a CLI executor and a task whose Bash tool sleeps; resolves once the shell runs. */
  async function busyTask(name: string) {
    const workspace = tempDir('ws');
    const run = runCli(
      ['--backend-url', stack.backend.url, '--workspace', workspace, '--data-dir', tempDir('data'), '--name', name, '--permission-mode', 'bypassPermissions'],
      { ...stack.model.claudeEnv(stack.claudeConfigDir), IS_SANDBOX: '1', WEGENT_TOKEN: stack.user.token },
    );
    runs.push(run);
    const deviceId = await onlineDevice(run, stack.backend.url, stack.user.token, name);
    const marker = `LIFETIME-${name.replace(/\W/g, '')}`;
    const started = path.join(workspace, 'started.txt');
    stack.model.script(marker, reply(toolUse('Bash', { command: `echo $$ > ${started}; sleep 5417`, description: 'stay busy' })), reply(text('Done.')));
    const sent = await stack.chat.sendOk({ device_id: deviceId, message: `${marker} stay busy` });
    await waitFor(() => existsSync(started) && readFileSync(started, 'utf8').trim(), { timeout: 90_000, message: `the Bash tool never started:\n${run.output()}` });
    // Every process under this executor (the task's guard, Claude Code, the shell and sleep it runs,
    // and the spare Claude Code kept for the next conversation), and the task's own part of them.
    const all: number[] = await waitFor(() => {
      const pids = descendants(run.proc.pid!);
      return pids.some((p) => cmdline(p) === 'sleep 5417') ? pids : undefined;
    }, { message: 'no sleep under the executor' });
    const parents = processTable();
    let guard = all.find((p) => cmdline(p) === 'sleep 5417')!;
    while (parents.get(guard) !== run.proc.pid) guard = parents.get(guard)!;
    const tree = [guard, ...descendants(guard)];
    leftovers.push(...all);
    return { run, sent, tree, all };
  }

  it('SIGKILL of the executor alone: Claude Code, its shell and the shell\'s children are gone', async () => {
    const { run, tree, all } = await busyTask('Killed alone');
    assert.ok(tree.length >= 3, `expected guard, Claude Code, shell and sleep, saw ${tree.map(cmdline).join(' | ')}`);
    run.proc.kill('SIGKILL');
    await waitFor(() => alive(all).length === 0, {
      timeout: 15_000,
      message: `still running after the executor was killed: ${alive(all).map((p) => `${p} ${cmdline(p).slice(0, 80)}`).join(' | ')}`,
    });
  });

  it('cancel from the chat: nothing the task started is left running', async () => {
    const { run, sent, tree } = await busyTask('Cancelled');
    await stack.chat.cancel(sent.subtask_id);
    const done = await stack.chat.waitForDone(sent.subtask_id, 60_000);
    assert.equal(done.status, 'cancelled');
    await waitFor(() => alive(tree).length === 0, {
      timeout: 15_000,
      message: `still running after the cancel: ${alive(tree).map((p) => `${p} ${cmdline(p).slice(0, 80)}`).join(' | ')}`,
    });
    assert.equal(run.proc.exitCode, null, 'the executor itself keeps running');
  });
});
