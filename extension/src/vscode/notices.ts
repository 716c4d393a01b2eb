// Every error notification the extension shows goes through here, so each one carries the action
// that fixes it (S18: expired token → "Set API Token", unreachable backend → the settings, no folder
// → "Open Folder") and runs it when clicked. The last few are kept for the in-host tests, which
// cannot read VS Code's notification toasts through the API.
import * as vscode from 'vscode';

export type NoticeAction = 'setToken' | 'openSettings' | 'showOutput' | 'openFolder';

export interface Notice {
  message: string;
  /** Button labels, as shown. */
  actions: string[];
}

const KEEP = 20;

export class Notices {
  readonly shown: Notice[] = [];

  /** Shows an error notification with these buttons; a click runs the matching command. */
  async error(message: string, ...actions: NoticeAction[]): Promise<void> {
    const t = vscode.l10n.t;
    const labels: Record<NoticeAction, string> = {
      setToken: t('Set API Token'),
      openSettings: t('Open Settings'),
      showOutput: t('Show Output'),
      openFolder: t('Open Folder'),
    };
    this.shown.push({ message, actions: actions.map((a) => labels[a]) });
    if (this.shown.length > KEEP) this.shown.shift();
    const picked = await vscode.window.showErrorMessage(message, ...actions.map((a) => labels[a]));
    const action = actions.find((a) => labels[a] === picked);
    if (action === 'openFolder') await openFolder();
    else if (action) await vscode.commands.executeCommand(`wegent.${action}`);
  }

  last(): Notice | undefined {
    return this.shown.at(-1);
  }
}

/** The folder dialog, then the stable `vscode.openFolder` command (works in desktop and web builds). */
async function openFolder(): Promise<void> {
  const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: vscode.l10n.t('Open Folder') });
  if (picked?.[0]) await vscode.commands.executeCommand('vscode.openFolder', picked[0]);
}
