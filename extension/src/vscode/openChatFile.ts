// A path in a reply or tool card of this device's task, opened in the editor (the chat asks through its
// bridge: shared/src/bridge.ts `openFile`). Looked up in the conversation's worktree, then the workspace
// folders (chatFiles.ts); anything outside them is refused and the user is told.
import path from 'node:path';
import * as vscode from 'vscode';
import type { OpenFileRequest } from '@wegent/shared';
import type { WorktreeManager } from '../executor/worktree/manager';
import { resolveChatFile } from './chatFiles';

export const OPEN_CHAT_FILE_COMMAND = 'wegent.openChatFile';

/** The task's worktree, at the workspace folder's place in it (its cwd there), then the repository root. */
async function worktreeRoots(manager: WorktreeManager | undefined, taskId: string | undefined, folders: string[]): Promise<string[]> {
  if (!manager || !taskId) return [];
  const record = (await manager.list()).find((w) => w.task_id === taskId && w.exists);
  if (!record) return [];
  const subs = folders.map((f) => path.relative(record.repo, f)).filter((rel) => rel && !rel.startsWith('..') && !path.isAbsolute(rel));
  return [...subs.map((rel) => path.join(record.path, rel)), record.path];
}

export function registerOpenChatFile(worktrees: () => WorktreeManager | undefined): vscode.Disposable {
  const t = vscode.l10n.t;
  return vscode.commands.registerCommand(OPEN_CHAT_FILE_COMMAND, async (req: OpenFileRequest): Promise<'opened' | 'outside' | 'missing'> => {
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    const roots = [...(await worktreeRoots(worktrees(), req.task_id, folders)), ...folders];
    const found = await resolveChatFile(roots, req.path);
    if (!found.ok) {
      void vscode.window.showWarningMessage(
        found.reason === 'outside'
          ? t('Wegent: {0} is outside this workspace; it was not opened.', req.path)
          : t('Wegent: {0} is not in this workspace (or the conversation\'s worktree).', req.path),
      );
      return found.reason;
    }
    const line = req.line ? Math.max(0, req.line - 1) : undefined;
    await vscode.window.showTextDocument(vscode.Uri.file(found.file), {
      preview: true,
      ...(line !== undefined ? { selection: new vscode.Range(line, 0, line, 0) } : {}),
    });
    return 'opened';
  });
}
