// The executor's credentials never reach the agent (issue 11.1): the built wegent-executor, given its
// token each way it accepts one (WEGENT_TOKEN, --token, --token-file), runs a task whose Bash tool —
// the real Claude Code through the real Agent SDK, scripted by the model server — looks for the token
// everywhere a process of the same user can: its environment, its parent's /proc/<pid>/environ, `ps`,
// and every /proc/<pid>/environ and cmdline on the machine. None may show it.
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { reply, text, toolUse } from '../../../test/support/modelServer';
import { buildCli, onlineDevice, runCli, type CliRun } from './cliProcess';
import { startStack, type Stack } from './stack';
import { tempDir } from './tmp';

/** Everything a tool of the same user can read about processes, written to probe.txt in the workspace. */
const PROBE = [
  'echo "--- env"; env',
  'echo "--- parent environ ($PPID)"; tr "\\0" "\\n" < /proc/$PPID/environ',
  'echo "--- ps"; ps -eo pid,args',
  'echo "--- every process"; for p in /proc/[0-9]*; do tr "\\0" "\\n" < $p/environ; tr "\\0" " " < $p/cmdline; echo; done',
].map((c) => `{ ${c}; } >> probe.txt 2>/dev/null`).join('; ');

describe('executor: no tool can read the executor\'s token (real CLI, SDK and Claude Code)', function () {
  this.timeout(180_000);
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

  async function probe(name: string, args: string[], env: Record<string, string>): Promise<{ probe: string; output: string }> {
    const workspace = tempDir('ws');
    const run = runCli(
      ['--backend-url', stack.backend.url, '--workspace', workspace, '--data-dir', tempDir('data'), '--name', name, '--permission-mode', 'bypassPermissions', ...args],
      { ...stack.model.claudeEnv(stack.claudeConfigDir), IS_SANDBOX: '1', ...env },
    );
    runs.push(run);
    const deviceId = await onlineDevice(run, stack.backend.url, stack.user.token, name);
    const marker = `PROBE-${name.replace(/\W/g, '')}`;
    stack.model.script(marker, reply(toolUse('Bash', { command: PROBE, description: 'look for secrets' })), reply(text('Looked.')));
    const sent = await stack.chat.sendOk({ device_id: deviceId, message: `${marker} look around` });
    const done = await stack.chat.waitForDone(sent.subtask_id, 90_000);
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    run.proc.kill('SIGTERM');
    await run.exit;
    return { probe: readFileSync(path.join(workspace, 'probe.txt'), 'utf8'), output: run.output() };
  }

  function assertTokenUnseen(found: { probe: string; output: string }) {
    // The probe really read the places it looked at: its own environment, the process list (where the
    // executor shows as cli.js) and other processes' environments.
    assert.match(found.probe, /--- env\n[\s\S]*PATH=/);
    assert.match(found.probe, /--- ps\n[\s\S]*cli\.js --backend-url/);
    assert.match(found.probe, /--- every process\n[\s\S]*ANTHROPIC_BASE_URL=/);
    assert.ok(!found.probe.includes(stack.user.token), 'a tool of the task read the Wegent token');
    // The agent's own environment and its parent's (Claude Code's): no WEGENT_* at all.
    const own = found.probe.slice(0, found.probe.indexOf('--- ps'));
    assert.match(own, /--- parent environ \(\d+\)\n[\s\S]*ANTHROPIC_BASE_URL=/);
    assert.doesNotMatch(own, /^WEGENT_/m, 'the agent saw WEGENT_* variables');
    assert.ok(!found.output.includes(stack.user.token), 'the executor logged its token');
  }

  it('token from WEGENT_TOKEN: not in the agent\'s environment, nor in the executor\'s /proc environ', async () => {
    assertTokenUnseen(await probe('Env box', [], { WEGENT_TOKEN: stack.user.token }));
  });

  it('token from --token: blanked from the process list once read, and the executor warns to use --token-file', async () => {
    const found = await probe('Argv box', ['--token', stack.user.token], {});
    assertTokenUnseen(found);
    assert.match(found.output, /passed with --token: .*ps.*--token-file/);
  });

  it('token from --token-file (owner-only): in no process\'s argv or environment', async () => {
    const file = path.join(tempDir('secret'), 'executor.env');
    writeFileSync(file, `# Wegent executor\nWEGENT_TOKEN=${stack.user.token}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    const found = await probe('File box', ['--token-file', file], {});
    assertTokenUnseen(found);
    assert.doesNotMatch(found.output, /--token:/, 'no warning when the token comes from a file');
  });
});
