// "Open Changes" in a real VS Code: a conversation worktree of this window's executor (a real git
// repository made here) opens in the native multi-file diff editor — left the base commit's text,
// right the worktree's file — and the command says so when there is nothing to open. Clean Up
// Conversation Worktrees removes the chosen ones with their branches.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { waitFor } from '../../../../test/support/wait';
import { control, onlineSnapshot, setBackendUrl, testBackend, wegent } from './helpers';

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@x', ...args], { cwd, encoding: 'utf8' });

describe('Wegent: Open Changes (native multi-file diff editor)', () => {
  before(async () => {
    await setBackendUrl(testBackend().url);
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('wegent.disconnectDevice');
    await (await wegent()).tokens.clear();
  });

  it("opens a conversation's changes with the base on the left and the worktree on the right", async () => {
    const w = await wegent();
    await w.tokens.set(testBackend().token);
    assert.equal(await vscode.commands.executeCommand<boolean>('wegent.connectDevice'), true);
    await onlineSnapshot(w);
    const repo = mkdtempSync(join(tmpdir(), 'wegent-host-repo-'));
    git(repo, 'init', '-q', '-b', 'main');
    writeFileSync(join(repo, 'app.txt'), 'before\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'start');
    const manager = w.controller.worktrees!;
    const { cwd } = await manager.prepare('task_hostchanges', repo, () => {}, new AbortController().signal);
    writeFileSync(join(cwd, 'app.txt'), 'after\n');
    writeFileSync(join(cwd, 'new.txt'), 'brand new\n');

    assert.equal(await vscode.commands.executeCommand<boolean>('wegent.openChanges', 'task_hostchanges'), true);
    const tab = await waitFor(() => {
      const active = vscode.window.tabGroups.activeTabGroup.activeTab;
      return active && /wegent\/hostchanges/.test(active.label) ? active : undefined;
    }, { message: 'the multi-file diff editor did not open' });
    assert.match(tab.label, /changes on wegent\/hostchanges/);
    assert.ok(!(tab.input instanceof vscode.TabInputText), 'a diff editor, not a plain text editor');

    // The editor asked for the base text of the modified file: it is on screen now (docs/extension.md shows it).
    await waitFor(() => vscode.workspace.textDocuments.some((d) => d.uri.scheme === 'wegent-base' && d.uri.path === '/app.txt'), { message: 'the diff editor never read the base side' });
    await control('/screenshot?name=open-changes');

    // Its left side: the base commit's text, read-only from the device's worktree.
    const left = await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: 'wegent-base', path: '/app.txt', query: 'task=task_hostchanges' }));
    assert.equal(left.getText(), 'before\n');
    assert.equal(git(repo, 'status', '--porcelain'), '', "the user's tree is untouched");
    assert.equal(await vscode.commands.executeCommand<boolean>('wegent.openChanges', 'task_unknown'), false);
  });

  it('Clean Up Conversation Worktrees removes the chosen worktrees with their branches and keeps the others', async () => {
    const w = await wegent();
    await w.tokens.set(testBackend().token);
    assert.equal(await vscode.commands.executeCommand<boolean>('wegent.connectDevice'), true);
    await onlineSnapshot(w);
    const repo = mkdtempSync(join(tmpdir(), 'wegent-host-clean-'));
    git(repo, 'init', '-q', '-b', 'main');
    writeFileSync(join(repo, 'a.txt'), 'a\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'start');
    const manager = w.controller.worktrees!;
    const signal = new AbortController().signal;
    const gone = await manager.prepare('task_hostclean1', repo, () => {}, signal);
    const kept = await manager.prepare('task_hostclean2', repo, () => {}, signal);
    const removed = await vscode.commands.executeCommand<string[]>('wegent.cleanUpWorktrees', ['task_hostclean1', 'task_unknown']);
    assert.deepEqual(removed, ['task_hostclean1']);
    assert.ok(!existsSync(gone.cwd) && existsSync(kept.cwd));
    assert.match(git(repo, 'branch', '--list', 'wegent/*'), /wegent\/hostclean2/);
    assert.doesNotMatch(git(repo, 'branch', '--list', 'wegent/*'), /hostclean1/);
    assert.ok((await manager.list()).some((x) => x.task_id === 'task_hostclean2'));
    assert.ok(!(await manager.list()).some((x) => x.task_id === 'task_hostclean1'));
  });
});
