// The worktree manager on real git repositories made by the test: one worktree per conversation,
// reused by its follow-ups, changes as names and counts, diffs confined to the worktree and cut at
// 1 MB, apply into the user's tree as uncommitted changes (all or nothing), discard, restart, prune.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LIMITS } from '@wegent/shared';
import { WorktreeManager } from '../../src/executor/worktree/manager';
import { answerApply, answerDiff } from '../../src/executor/worktree/review';
import { makeRepo, sh, status, writeFiles } from './gitRepo';
import { removeTempDirs, silentLogger, tempDir } from './tmp';
import { waitFor } from '../../../test/support/wait';

const signal = new AbortController().signal;

function manager(dataDir = tempDir('data'), extra: Partial<ConstructorParameters<typeof WorktreeManager>[0]> = {}) {
  return new WorktreeManager({ dataDir, logger: silentLogger, ...extra });
}

describe('executor: worktree per conversation', function () {
  this.timeout(30_000);
  after(removeTempDirs);

  it('gives a conversation its own worktree from HEAD, reused by follow-ups, outside the user tree', async () => {
    const repo = makeRepo({ 'a.txt': 'one\n' });
    const m = manager();
    const said: string[] = [];
    const first = await m.prepare('t_abc123', repo, (t) => said.push(t), signal);
    assert.equal(first.isolation, 'worktree');
    assert.ok(!first.cwd.startsWith(repo), 'the worktree is outside the user tree');
    assert.equal(readFileSync(path.join(first.cwd, 'a.txt'), 'utf8'), 'one\n');
    assert.match(said.join('\n'), /branch wegent\/abc123/);
    assert.match(sh(repo, 'branch', '--list', 'wegent/*'), /wegent\/abc123/);
    const again = await m.prepare('t_abc123', repo, () => {}, signal);
    assert.equal(again.cwd, first.cwd);
    writeFileSync(path.join(first.cwd, 'a.txt'), 'one\ntwo\n');
    writeFileSync(path.join(first.cwd, 'new.txt'), 'x\ny\n');
    const changes = await m.changes('t_abc123');
    assert.deepEqual(changes?.files.map((f) => [f.path, f.status, f.additions, f.deletions]), [['a.txt', 'modified', 1, 0], ['new.txt', 'added', 2, 0]]);
    assert.equal(changes?.additions, 3);
    assert.equal(changes?.base, sh(repo, 'rev-parse', 'HEAD').trim());
    assert.equal(status(repo), '', "the user's tree is untouched");
  });

  it('says the task starts from HEAD when the user tree is dirty, and leaves those edits alone', async () => {
    const repo = makeRepo({ 'a.txt': 'one\n' });
    writeFileSync(path.join(repo, 'a.txt'), 'my edit\n');
    const said: string[] = [];
    const p = await manager().prepare('t_dirty', repo, (t) => said.push(t), signal);
    assert.match(said.join('\n'), /uncommitted changes: this conversation starts from HEAD/);
    assert.equal(readFileSync(path.join(p.cwd, 'a.txt'), 'utf8'), 'one\n');
    assert.equal(readFileSync(path.join(repo, 'a.txt'), 'utf8'), 'my edit\n');
  });

  it('runs in place, and says why, outside git, without a commit, or with isolation none', async () => {
    const plain = tempDir('plain');
    const said: string[] = [];
    const m = manager();
    assert.deepEqual(await m.prepare('t_plain', plain, (t) => said.push(t), signal), { cwd: plain, isolation: 'none' });
    assert.match(said[0], /Not isolated: this folder is not a git repository/);
    assert.equal((await m.changes('t_plain'))?.isolation, 'none');
    assert.equal((await m.diff('t_plain')).ok === false && (await m.diff('t_plain') as { error: { code: string } }).error.code, 'NOT_ISOLATED');
    const empty = tempDir('empty');
    sh(empty, 'init', '-q');
    said.length = 0;
    assert.equal((await m.prepare('t_empty', empty, (t) => said.push(t), signal)).isolation, 'none');
    assert.match(said[0], /no commit yet/);
    const bare = tempDir('bare');
    sh(bare, 'init', '-q', '--bare');
    said.length = 0;
    assert.equal((await m.prepare('t_bare', bare, (t) => said.push(t), signal)).isolation, 'none');
    assert.match(said[0], /bare/);
    const repo = makeRepo();
    said.length = 0;
    assert.equal((await manager(undefined, { isolation: 'none' }).prepare('t_off', repo, (t) => said.push(t), signal)).cwd, repo);
    assert.match(said[0], /isolation is set to "none"/);
  });

  it('serves the diff of one file or all, refuses paths outside the worktree, and cuts diffs over 1 MB', async () => {
    const repo = makeRepo({ 'a.txt': 'one\n', 'b.txt': 'bee\n' });
    const m = manager();
    const { cwd } = await m.prepare('t_diff', repo, () => {}, signal);
    writeFiles(cwd, { 'a.txt': 'uno\n', 'b.txt': 'bee\nhive\n' });
    const all = await m.diff('t_diff');
    assert.ok(all.ok && /a\.txt/.test(all.diff) && /b\.txt/.test(all.diff) && !all.truncated);
    const one = await m.diff('t_diff', 'b.txt');
    assert.ok(one.ok && /\+hive/.test(one.diff) && !/a\.txt/.test(one.diff));
    symlinkSync('/etc', path.join(cwd, 'escape'));
    for (const bad of ['../a.txt', '/etc/passwd', 'escape/passwd', 'x/../../y']) {
      const r = await m.diff('t_diff', bad);
      assert.ok(!r.ok, bad);
      assert.equal(r.error.code, 'INVALID_PAYLOAD', bad);
    }
    writeFileSync(path.join(cwd, 'big.txt'), 'line of text that makes the diff grow\n'.repeat(60_000));
    const big = await m.diff('t_diff');
    assert.ok(big.ok && big.truncated);
    assert.ok(Buffer.byteLength(big.diff) <= LIMITS.diffBytes && big.diff.endsWith('\n'));
    assert.equal((await m.diff('t_other')).ok, false);
  });

  it('applies as uncommitted changes, then the next message starts a fresh worktree at the new HEAD', async () => {
    const repo = makeRepo({ 'a.txt': 'one\n', 'gone.txt': 'bye\n' });
    const m = manager();
    const { cwd } = await m.prepare('t_apply', repo, () => {}, signal);
    writeFiles(cwd, { 'a.txt': 'one\ntwo\n', 'dir/new.txt': 'new\n' });
    sh(cwd, 'rm', '-q', 'gone.txt');
    const head = sh(repo, 'rev-parse', 'HEAD');
    const applied = await m.apply('t_apply', 'apply');
    assert.ok(applied.ok);
    assert.deepEqual(applied.files?.sort(), ['a.txt', 'dir/new.txt', 'gone.txt']);
    assert.equal(readFileSync(path.join(repo, 'a.txt'), 'utf8'), 'one\ntwo\n');
    assert.equal(readFileSync(path.join(repo, 'dir/new.txt'), 'utf8'), 'new\n');
    assert.ok(!existsSync(path.join(repo, 'gone.txt')));
    assert.equal(sh(repo, 'rev-parse', 'HEAD'), head, 'never a commit');
    assert.equal(sh(repo, 'diff', '--cached', '--name-only'), '', 'nothing staged');
    assert.ok(!existsSync(cwd), 'worktree removed');
    assert.equal(sh(repo, 'branch', '--list', 'wegent/*').trim(), '', 'branch removed');
    sh(repo, 'add', '-A');
    sh(repo, '-c', 'user.name=t', '-c', 'user.email=t@x', 'commit', '-q', '-m', 'took it');
    const next = await m.prepare('t_apply', repo, () => {}, signal);
    assert.equal(readFileSync(path.join(next.cwd, 'a.txt'), 'utf8'), 'one\ntwo\n', 'fresh worktree at the new HEAD');
    assert.deepEqual((await m.changes('t_apply'))?.files, []);
  });

  it('a conflict leaves the user tree exactly as it was and names the files', async () => {
    const repo = makeRepo({ 'a.txt': 'one\n', 'b.txt': 'bee\n' });
    const m = manager();
    const { cwd } = await m.prepare('t_conf', repo, () => {}, signal);
    writeFiles(cwd, { 'a.txt': 'task\n', 'b.txt': 'bee\nmore\n' });
    writeFileSync(path.join(repo, 'a.txt'), 'user\n');
    const before = status(repo);
    const r = await m.apply('t_conf', 'apply');
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'CONFLICT');
    assert.match(r.error.message, /a\.txt/);
    assert.doesNotMatch(r.error.message, /b\.txt changed/);
    assert.equal(status(repo), before);
    assert.equal(readFileSync(path.join(repo, 'b.txt'), 'utf8'), 'bee\n', 'nothing half-applied');
    assert.ok(existsSync(cwd), 'the worktree stays for another try');
  });

  it('discard removes worktree and branch; a restart keeps live worktrees; prune removes stale ones', async () => {
    const repo = makeRepo();
    const dataDir = tempDir('data');
    const m = manager(dataDir);
    const a = await m.prepare('t_keep', repo, () => {}, signal);
    const b = await m.prepare('t_drop', repo, () => {}, signal);
    const d = await m.apply('t_drop', 'discard');
    assert.ok(d.ok);
    assert.ok(!existsSync(b.cwd));
    assert.doesNotMatch(sh(repo, 'branch'), /t_drop|wegent\/drop/);
    const restarted = manager(dataDir);
    assert.equal((await restarted.prepare('t_keep', repo, () => {}, signal)).cwd, a.cwd);
    assert.deepEqual((await restarted.list()).map((w) => w.task_id), ['t_keep']);
    assert.deepEqual(await restarted.prune(60_000), [], 'a recently used worktree is not stale');
    const pruned = await restarted.prune(0);
    assert.deepEqual(pruned.map((w) => w.task_id), ['t_keep']);
    assert.ok(!existsSync(a.cwd));
    assert.equal(sh(repo, 'worktree', 'list').trim().split('\n').length, 1);
  });

  it('runs the setup command in a new worktree and shows its output', async () => {
    const repo = makeRepo();
    const said: string[] = [];
    const p = await manager(undefined, { setupCommand: 'echo installing && echo done > setup.out' }).prepare('t_setup', repo, (t) => said.push(t), signal);
    assert.equal(readFileSync(path.join(p.cwd, 'setup.out'), 'utf8'), 'done\n');
    assert.match(said.join('\n'), /Setup command `echo installing && echo done > setup.out` finished[\s\S]*installing/);
    const failed: string[] = [];
    await manager(undefined, { setupCommand: 'echo broken >&2; exit 3' }).prepare('t_setup2', repo, (t) => failed.push(t), signal);
    assert.match(failed.join('\n'), /failed \(exit 3\)[\s\S]*broken/);
  });

  it('sees an edit of the same size made in the second the worktree was checked out (git\'s racy-clean case)', async () => {
    const repo = makeRepo({ 'a.txt': 'one\n' });
    sh(repo, 'config', 'core.trustctime', 'false'); // so only the mtimes decide, as when the edit falls in the checkout's second
    const m = manager();
    const { cwd } = await m.prepare('t_racy', repo, () => {}, signal);
    const file = path.join(cwd, 'a.txt');
    const index = sh(cwd, 'rev-parse', '--path-format=absolute', '--git-path', 'index').trim();
    const checkedOut = statSync(file);
    utimesSync(index, checkedOut.atime, checkedOut.mtime); // the index written in the same second as the file
    writeFileSync(file, 'two\n');
    utimesSync(file, checkedOut.atime, checkedOut.mtime); // same size, same mtime: stat alone cannot tell
    await waitFor(() => Math.floor(Date.now() / 1000) > Math.floor(checkedOut.mtimeMs / 1000), { message: 'the clock never left the checkout second' });
    const changes = await m.changes('t_racy');
    assert.deepEqual(changes?.files.map((f) => [f.path, f.status]), [['a.txt', 'modified']]);
  });

  it('the device answers apply TASK_BUSY while a message of the conversation runs, and a bad payload INVALID_PAYLOAD', async () => {
    const repo = makeRepo({ 'a.txt': 'one\n' });
    const m = manager();
    const { cwd } = await m.prepare('t_busy', repo, () => {}, signal);
    writeFileSync(path.join(cwd, 'a.txt'), 'two\n');
    const busy = await answerApply(m, { task_id: 't_busy', action: 'apply' }, () => true, silentLogger);
    assert.equal(!busy.ok && busy.error.code, 'TASK_BUSY');
    assert.equal(readFileSync(path.join(repo, 'a.txt'), 'utf8'), 'one\n');
    const bad = await answerDiff(m, { task_id: 't_busy', path: '../secret' }, silentLogger);
    assert.equal(!bad.ok && bad.error.code, 'INVALID_PAYLOAD');
    const ok = await answerApply(m, { task_id: 't_busy', action: 'apply' }, () => false, silentLogger);
    assert.ok(ok.ok);
    assert.equal(readFileSync(path.join(repo, 'a.txt'), 'utf8'), 'two\n');
  });
});
