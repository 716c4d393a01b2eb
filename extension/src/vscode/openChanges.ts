// "Open Changes": a conversation's changes in VS Code's native multi-file diff editor (the built-in
// `vscode.changes` command) — left, each file as it was in the conversation's base commit (served by
// a read-only content provider from `git show`), right, the file in the conversation's worktree.
// The chat's change card asks for it when it runs in VS Code on the device that ran the task.
import * as vscode from 'vscode';
import type { WorktreeManager } from '../executor/worktree/manager';

export const BASE_SCHEME = 'wegent-base';

/** The left side of one file: its base text, by conversation and path. */
function baseUri(taskId: string, file: string, empty = false): vscode.Uri {
  return vscode.Uri.from({ scheme: BASE_SCHEME, path: `/${file}`, query: new URLSearchParams({ task: taskId, ...(empty ? { empty: '1' } : {}) }).toString() });
}

export function registerOpenChanges(worktrees: () => WorktreeManager | undefined): vscode.Disposable[] {
  const t = vscode.l10n.t;
  const provider: vscode.TextDocumentContentProvider = {
    async provideTextDocumentContent(uri) {
      const q = new URLSearchParams(uri.query);
      if (q.get('empty')) return '';
      const manager = worktrees();
      if (!manager) return '';
      return manager.baseText(q.get('task') ?? '', uri.path.replace(/^\//, ''));
    },
  };

  async function open(taskId?: string): Promise<boolean> {
    const manager = worktrees();
    if (!manager) {
      void vscode.window.showWarningMessage(t('Wegent: connect this device first; its conversations\' changes live in its worktrees.'));
      return false;
    }
    const id = taskId ?? (await pickConversation(manager));
    if (!id) return false;
    const review = await manager.review(id);
    if (!review) {
      void vscode.window.showWarningMessage(t('Wegent: this device has no worktree for that conversation (it ran elsewhere, in place, or its changes were applied or discarded).'));
      return false;
    }
    if (!review.files.length) {
      void vscode.window.showInformationMessage(t('Wegent: the conversation changed nothing yet.'));
      return false;
    }
    const resources = review.files.map((f) => {
      const right = vscode.Uri.file(`${review.root}/${f.path}`);
      const left = f.status === 'added' ? baseUri(id, f.path, true) : baseUri(id, f.old_path ?? f.path);
      // A deleted file has no right side on disk: an empty document stands in.
      return [right, left, f.status === 'deleted' ? baseUri(id, f.path, true) : right] as const;
    });
    await vscode.commands.executeCommand('vscode.changes', t('Wegent: changes on {0}', review.branch), resources);
    return true;
  }

  return [vscode.workspace.registerTextDocumentContentProvider(BASE_SCHEME, provider), vscode.commands.registerCommand('wegent.openChanges', open)];
}

async function pickConversation(manager: WorktreeManager): Promise<string | undefined> {
  const items = (await manager.list()).filter((w) => w.exists).map((w) => ({ label: w.branch, description: `last used ${w.last_used_at}`, id: w.task_id }));
  if (!items.length) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Wegent: no conversation of this device has a worktree.'));
    return undefined;
  }
  return (await vscode.window.showQuickPick(items, { placeHolder: vscode.l10n.t('Which conversation\'s changes?') }))?.id;
}
