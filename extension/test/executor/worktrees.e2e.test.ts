// Conversations in their own git worktrees, end to end: the real executor and Agent SDK (Claude Code
// against the scripted model server), the real backend and Redis, and git repositories made here.
// Two conversations write the same file differently without touching the user's tree; one applies,
// the other conflicts and is discarded; five at once leave `git status` clean until applied; a
// restarted device finds a live conversation's worktree again; a deleted conversation's worktree and
// branch go, also when its device was offline at the time.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ChatDone, ChangedFile } from '@wegent/shared';
import { reply, text, toolUse } from '../../../test/support/modelServer';
import { api } from '../../../test/support/clients';
import { waitFor } from '../../../test/support/wait';
import { makeRepo, sh, status } from './gitRepo';
import { startStack, type Stack } from './stack';
import { tempDir } from './tmp';

describe('executor: a worktree per conversation, end to end', function () {
  this.timeout(180_000);
  let stack: Stack;
  let n = 0;

  before(async function () {
    this.timeout(120_000);
    stack = await startStack();
  });
  after(async () => stack?.stop());

  /** One message whose model turn writes `content` into shared.txt (a relative path: the task's cwd). */
  async function writeShared(deviceId: string, content: string, taskId?: string): Promise<ChatDone & { task_id: string }> {
    const marker = `WT-${++n}-${process.pid}`;
    stack.model.script(marker, reply(toolUse('Write', { file_path: 'shared.txt', content: `${content}\n` })), reply(text(`Wrote ${content}.`)));
    const sent = await stack.chat.sendOk({ device_id: deviceId, message: `${marker} write ${content}`, permission_mode: 'acceptEdits', ...(taskId ? { task_id: taskId } : {}) });
    const done = await stack.chat.waitForDone(sent.subtask_id, 90_000);
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    return { ...done, task_id: sent.task_id };
  }

  const fileOf = (done: ChatDone, name: string): ChangedFile | undefined => done.changes?.files.find((f) => f.path === name);
  const statusTexts = (subtaskId: string) => stack.chat.chunks(subtaskId).flatMap((c) => c.events).filter((e) => e.type === 'status').map((e) => (e as { text: string }).text);

  it('two conversations write the same file differently; one applies, the other conflicts and is discarded', async () => {
    const repo = makeRepo({ 'shared.txt': 'base\n' });
    const exec = await stack.executor({ workspace: repo, permissionMode: 'acceptEdits' });
    const deviceId = exec.snapshot().deviceId;
    const [a, b] = await Promise.all([writeShared(deviceId, 'from A'), writeShared(deviceId, 'from B')]);
    assert.equal(status(repo), '', "the user's tree is untouched while tasks run");
    for (const d of [a, b]) {
      assert.equal(d.changes?.isolation, 'worktree');
      assert.match(d.changes?.branch ?? '', /^wegent\//);
      assert.deepEqual(fileOf(d, 'shared.txt'), { path: 'shared.txt', status: 'modified', additions: 1, deletions: 1 });
      assert.ok(statusTexts(d.subtask_id).some((t) => /own git worktree on branch wegent\//.test(t)));
    }
    assert.notEqual(a.changes?.branch, b.changes?.branch);

    const diffA = await stack.chat.emit('chat:diff', { task_id: a.task_id });
    assert.ok(diffA.ok && /\+from A/.test(String(diffA.diff)) && !/from B/.test(String(diffA.diff)), JSON.stringify(diffA));
    const applied = await stack.chat.emit('chat:apply', { task_id: a.task_id, action: 'apply' });
    assert.ok(applied.ok, JSON.stringify(applied));
    assert.deepEqual(applied.files, ['shared.txt']);
    assert.equal(readFileSync(path.join(repo, 'shared.txt'), 'utf8'), 'from A\n');
    assert.equal(status(repo), 'M shared.txt', 'an uncommitted, unstaged change');
    assert.equal(sh(repo, 'log', '--oneline').trim().split('\n').length, 1, 'never a commit');

    const conflict = await stack.chat.emit('chat:apply', { task_id: b.task_id, action: 'apply' });
    assert.ok(!conflict.ok);
    assert.equal(conflict.error.code, 'CONFLICT');
    assert.match(conflict.error.message, /shared\.txt/);
    assert.equal(readFileSync(path.join(repo, 'shared.txt'), 'utf8'), 'from A\n', 'the working tree is exactly as it was');

    const discarded = await stack.chat.emit('chat:apply', { task_id: b.task_id, action: 'discard' });
    assert.ok(discarded.ok, JSON.stringify(discarded));
    assert.equal(sh(repo, 'branch', '--list', 'wegent/*').trim(), '', 'both branches are gone');
    assert.equal(sh(repo, 'worktree', 'list').trim().split('\n').length, 1, 'both worktrees are gone');

    // The next message of B starts from a fresh worktree at the then-current HEAD.
    sh(repo, 'commit', '-qam', 'took A');
    const again = await writeShared(deviceId, 'B again', b.task_id);
    assert.deepEqual(fileOf(again, 'shared.txt'), { path: 'shared.txt', status: 'modified', additions: 1, deletions: 1 });
    assert.equal(again.changes?.base, sh(repo, 'rev-parse', 'HEAD').trim());
    await exec.stop();
  });

  it('five conversations at once on one repository: each its own change, the user tree clean until they apply', async () => {
    const repo = makeRepo({ 'shared.txt': 'base\n' });
    const exec = await stack.executor({ workspace: repo, permissionMode: 'acceptEdits' });
    const deviceId = exec.snapshot().deviceId;
    const names = ['one', 'two', 'three', 'four', 'five'];
    const done = await Promise.all(names.map((name) => writeShared(deviceId, `from ${name}`)));
    assert.equal(status(repo), '');
    assert.equal(readFileSync(path.join(repo, 'shared.txt'), 'utf8'), 'base\n');
    for (const [i, d] of done.entries()) {
      const diff = await stack.chat.emit('chat:diff', { task_id: d.task_id, path: 'shared.txt' });
      assert.ok(diff.ok);
      assert.match(String(diff.diff), new RegExp(`\\+from ${names[i]}\\n`));
      for (const other of names.filter((x) => x !== names[i])) assert.doesNotMatch(String(diff.diff), new RegExp(`from ${other}\\n`));
    }
    assert.equal(new Set(done.map((d) => d.changes?.branch)).size, 5);
    await exec.stop();
  });

  it('a restart of the device keeps a live conversation\'s worktree: its follow-up continues there', async () => {
    const repo = makeRepo({ 'shared.txt': 'base\n' });
    const dataDir = tempDir('data');
    const earlier = await stack.executor({ workspace: repo, dataDir });
    const deviceId = earlier.snapshot().deviceId;
    const first = await writeShared(deviceId, 'before the restart');
    await earlier.stop();
    const restarted = await stack.executor({ workspace: repo, dataDir });
    assert.equal(restarted.snapshot().deviceId, deviceId, 'the same device (its id is kept in the data dir)');
    const marker = `WT-${++n}-${process.pid}`;
    stack.model.script(marker, reply(toolUse('Write', { file_path: 'later.txt', content: 'after\n' })), reply(text('Wrote later.txt.')));
    const sent = await stack.chat.sendOk({ device_id: deviceId, message: `${marker} add later.txt`, permission_mode: 'acceptEdits', task_id: first.task_id });
    const next = await stack.chat.waitForDone(sent.subtask_id, 90_000);
    assert.equal(next.status, 'completed', JSON.stringify(next.error));
    // Same worktree, branch and base: the change before the restart is still there, the new one beside it.
    assert.equal(next.changes?.branch, first.changes?.branch);
    assert.equal(next.changes?.base, first.changes?.base);
    assert.deepEqual(next.changes?.files.map((f) => [f.path, f.status]), [['later.txt', 'added'], ['shared.txt', 'modified']]);
    assert.ok(!statusTexts(next.subtask_id).some((t) => /own git worktree/.test(t)), 'no new worktree was made');
    const diff = await stack.chat.emit('chat:diff', { task_id: first.task_id, path: 'shared.txt' });
    assert.ok(diff.ok && /\+before the restart/.test(String(diff.diff)), JSON.stringify(diff));
    assert.equal(status(repo), '');
    assert.equal(sh(repo, 'worktree', 'list').trim().split('\n').length, 2, 'one worktree, the same one');
    await restarted.stop();
  });

  it('deleting a conversation removes its worktree and branch: at once when the device is online, on its next start when it was not', async () => {
    const repo = makeRepo({ 'shared.txt': 'base\n' });
    const dataDir = tempDir('data');
    const exec = await stack.executor({ workspace: repo, dataDir });
    const deviceId = exec.snapshot().deviceId;
    const [online, offline, kept] = await Promise.all([writeShared(deviceId, 'deleted live'), writeShared(deviceId, 'deleted while away'), writeShared(deviceId, 'kept')]);
    const folderOf = async (taskId: string) => (await exec.worktrees.list()).find((w) => w.task_id === taskId)!.path;
    const [onlineDir, offlineDir, keptDir] = [await folderOf(online.task_id), await folderOf(offline.task_id), await folderOf(kept.task_id)];
    const del = (taskId: string) => api(stack.backend.url, 'DELETE', `/api/tasks/${taskId}`, { token: stack.user.token });
    const branches = () => sh(repo, 'branch', '--list', 'wegent/*').split('\n').map((b) => b.replace(/^[*+ ]+/, '').trim()).filter(Boolean).sort();

    assert.equal((await del(online.task_id)).status, 204);
    // The folder goes first, then the branch: wait for both.
    await waitFor(() => !existsSync(onlineDir) && branches().length === 2, { timeout: 15_000, message: 'the deleted conversation\'s worktree or branch stayed' });
    assert.deepEqual(branches(), [offline.changes!.branch!, kept.changes!.branch!].sort());

    await exec.stop();
    assert.equal((await del(offline.task_id)).status, 204);
    assert.ok(existsSync(offlineDir), 'nothing can happen while the device is away');
    const restarted = await stack.executor({ workspace: repo, dataDir });
    await waitFor(() => !existsSync(offlineDir) && branches().length === 1, { timeout: 15_000, message: 'the worktree or branch deleted while away stayed' });
    assert.deepEqual(branches(), [kept.changes!.branch!]);
    assert.ok(existsSync(keptDir), 'a live conversation keeps its worktree');
    await waitFor(async () => (await restarted.worktrees.list()).map((w) => w.task_id).join() === kept.task_id, { message: 'the device still lists the deleted conversation' });
    assert.equal(status(repo), '', "the user's tree never changed");
    await restarted.stop();
  });

  it('outside git the task runs in place, the chat is told "not isolated", and apply answers NOT_ISOLATED', async () => {
    const folder = tempDir('plain-ws');
    const exec = await stack.executor({ workspace: folder, permissionMode: 'acceptEdits' });
    const d = await writeShared(exec.snapshot().deviceId, 'in place');
    assert.ok(existsSync(path.join(folder, 'shared.txt')));
    assert.equal(d.changes?.isolation, 'none');
    assert.ok(statusTexts(d.subtask_id).some((t) => /^Not isolated: this folder is not a git repository/.test(t)));
    const apply = await stack.chat.emit('chat:apply', { task_id: d.task_id, action: 'apply' });
    assert.equal(!apply.ok && apply.error.code, 'NOT_ISOLATED');
    await exec.stop();
  });
});
