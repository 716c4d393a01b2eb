// "Clean Up Worktrees": this device's conversation worktrees in a multi-select list (branch, last
// use, repository; those unused for DEFAULT_WORKTREE_MAX_AGE_DAYS or whose folder is gone come
// preselected), and the chosen ones removed with their branches — what `wegent-executor
// --prune-worktrees` does in a terminal. A conversation running now is not offered. Without a
// connected device it reads the data dir directly, as the CLI does.
import * as vscode from 'vscode';
import { DEFAULT_WORKTREE_MAX_AGE_DAYS } from '../executor/cliArgs';
import { defaultDataDir } from '../executor/identity';
import { WorktreeManager, type WorktreeInfo } from '../executor/worktree/manager';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

export function isStale(w: WorktreeInfo, now = Date.now()): boolean {
  return !w.exists || now - Date.parse(w.last_used_at) > DEFAULT_WORKTREE_MAX_AGE_DAYS * 86_400_000;
}

/**
 * `taskIds` (tests, scripts): remove exactly those, without asking. Resolves with the conversations
 * whose worktrees were removed.
 */
export function registerCleanWorktrees(worktrees: () => WorktreeManager | undefined, runningTaskIds: () => ReadonlySet<string>): vscode.Disposable {
  const t = vscode.l10n.t;
  return vscode.commands.registerCommand('wegent.cleanUpWorktrees', async (taskIds?: string[]): Promise<string[]> => {
    const manager = worktrees() ?? new WorktreeManager({ dataDir: defaultDataDir(), logger: quiet });
    const running = runningTaskIds();
    const list = (await manager.list()).filter((w) => !running.has(w.task_id));
    let chosen: string[];
    if (Array.isArray(taskIds)) chosen = list.filter((w) => taskIds.includes(w.task_id)).map((w) => w.task_id);
    else {
      if (!list.length) {
        void vscode.window.showInformationMessage(t('Wegent: no conversation of this device has a worktree.'));
        return [];
      }
      const items = list.map((w) => ({
        label: w.branch,
        description: w.exists ? t('last used {0}', new Date(w.last_used_at).toLocaleString()) : t('folder gone'),
        detail: w.repo,
        picked: isStale(w),
        id: w.task_id,
      }));
      const picked = await vscode.window.showQuickPick(items, {
        canPickMany: true,
        title: t('Remove conversation worktrees'),
        placeHolder: t('Chosen worktrees are removed with their branches; changes not applied are lost. Stale ones are preselected.'),
      });
      chosen = (picked ?? []).map((p) => p.id);
    }
    const removed: string[] = [];
    for (const id of chosen) if (await manager.forget(id)) removed.push(id);
    if (!Array.isArray(taskIds) && removed.length) void vscode.window.showInformationMessage(t('Wegent: removed {0} worktree(s) and their branches.', removed.length));
    return removed;
  });
}
