// The CLI's worktree options: --isolation and --setup-command reach the executor; --list-worktrees
// and --prune-worktrees work without a token and show what this device keeps.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { parseCli } from '../../src/executor/cliArgs';
import { runWorktreeCommand } from '../../src/executor/worktree/command';
import { WorktreeManager } from '../../src/executor/worktree/manager';
import { makeRepo } from './gitRepo';
import { removeTempDirs, silentLogger, tempDir } from './tmp';

async function output(run: (out: PassThrough) => Promise<number>): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c) => (text += c));
  assert.equal(await run(out), 0);
  return text;
}

describe('executor CLI: worktree options', function () {
  this.timeout(30_000);
  after(removeTempDirs);

  it('isolation defaults to worktree; --isolation none and --setup-command (or WEGENT_SETUP_COMMAND) reach the executor', () => {
    const base = ['--token', 'tok'];
    const def = parseCli(base, {});
    assert.ok(def.kind === 'run');
    assert.equal(def.config.executor.isolation, 'worktree');
    const none = parseCli([...base, '--isolation', 'none', '--setup-command', 'npm ci'], {});
    assert.ok(none.kind === 'run');
    assert.equal(none.config.executor.isolation, 'none');
    assert.equal(none.config.executor.setupCommand, 'npm ci');
    const env = parseCli(base, { WEGENT_SETUP_COMMAND: 'make deps' });
    assert.equal(env.kind === 'run' && env.config.executor.setupCommand, 'make deps');
    const bad = parseCli([...base, '--isolation', 'sandbox'], {});
    assert.ok(bad.kind === 'usage-error' && /--isolation must be "worktree" or "none"/.test(bad.message));
  });

  it('--list-worktrees and --prune-worktrees need no token, list live worktrees and remove stale ones', async () => {
    const dataDir = tempDir('cli-data');
    const m = new WorktreeManager({ dataDir, logger: silentLogger });
    await m.prepare('t_cli1', makeRepo(), () => {}, new AbortController().signal);
    const list = parseCli(['--list-worktrees', '--data-dir', dataDir, '--json'], {});
    assert.ok(list.kind === 'worktrees');
    const listed = JSON.parse(await output((out) => runWorktreeCommand(list.command, out)));
    assert.deepEqual(listed.worktrees.map((w: { task_id: string; exists: boolean }) => [w.task_id, w.exists]), [['t_cli1', true]]);
    const keep = parseCli(['--prune-worktrees', '--data-dir', dataDir], {});
    assert.ok(keep.kind === 'worktrees');
    assert.match(await output((out) => runWorktreeCommand(keep.command, out)), /No stale worktrees/);
    const prune = parseCli(['--prune-worktrees', '--worktree-max-age', '0', '--data-dir', dataDir], {});
    assert.ok(prune.kind === 'worktrees');
    assert.match(await output((out) => runWorktreeCommand(prune.command, out)), /Removed:\nwegent\/cli1/);
    assert.match(await output((out) => runWorktreeCommand({ ...list.command, json: false }, out)), /No conversation worktrees/);
  });
});
