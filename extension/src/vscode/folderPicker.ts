// The quick pick that asks which workspace folder tasks run in (multi-root workspaces; the choice
// itself is folderChoice.ts). A QuickPick object rather than showQuickPick so the pick that is open
// right now is visible to the in-host tests (`WegentApi.folderPicker.current`), which then answer it
// with VS Code's own quick input commands.
import * as vscode from 'vscode';
import type { FolderLike } from './folderChoice';

export interface PickableFolder extends FolderLike {
  folder: vscode.WorkspaceFolder;
}

type Item = vscode.QuickPickItem & { entry: PickableFolder };

export class FolderPicker {
  /** The folder pick on screen, if any. */
  current: vscode.QuickPick<vscode.QuickPickItem> | undefined;

  pick = (ordered: readonly PickableFolder[], remembered: PickableFolder | undefined): Promise<PickableFolder | undefined> => {
    const t = vscode.l10n.t;
    const qp = vscode.window.createQuickPick<Item>();
    qp.title = t('Wegent: which folder should tasks run in?');
    qp.placeholder = t('Claude Code works in the folder you pick');
    qp.ignoreFocusOut = true;
    qp.items = ordered.map((entry) => ({ entry, label: entry.name, description: entry.folder.uri.fsPath, detail: entry === remembered ? t('used last time') : undefined }));
    return new Promise((resolve) => {
      let picked: PickableFolder | undefined;
      qp.onDidAccept(() => {
        picked = qp.selectedItems[0]?.entry ?? qp.activeItems[0]?.entry;
        qp.hide();
      });
      qp.onDidHide(() => {
        if (this.current === qp) this.current = undefined;
        qp.dispose();
        resolve(picked);
      });
      this.current = qp;
      qp.show();
    });
  };
}
