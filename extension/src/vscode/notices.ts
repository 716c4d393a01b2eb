// Every notification the extension shows goes through here, so each one carries the action that
// fixes it (S18: expired token → "Set API Token", unreachable backend → the settings, no folder →
// "Open Folder", a folder served elsewhere → "Take Over") and runs it when clicked. Errors are for
// errors; a state the user chose or another window caused is a warning or an information. The last
// few are kept for the in-host tests, which cannot read VS Code's notification toasts through the API.
import * as vscode from 'vscode';

export type NoticeAction = 'setToken' | 'openSettings' | 'showOutput' | 'openFolder' | 'takeOver' | 'connectDevice';
/** A one-off button: its label and what it does. */
export interface CustomAction {
  label: string;
  run(): unknown;
}
export type Severity = 'error' | 'warning' | 'info';

export interface Notice {
  message: string;
  severity: Severity;
  /** Button labels, as shown. */
  actions: string[];
}

const KEEP = 20;

function label(action: NoticeAction): string {
  const t = vscode.l10n.t;
  switch (action) {
    case 'setToken':
      return t('Set API Token');
    case 'openSettings':
      return t('Open Settings');
    case 'showOutput':
      return t('Show Output');
    case 'openFolder':
      return t('Open Folder');
    case 'takeOver':
      return t('Take Over');
    case 'connectDevice':
      return t('Connect');
  }
}

/** How long a confirmation stays in the status bar. */
const CONFIRM_MS = 4_000;

export class Notices implements vscode.Disposable {
  readonly shown: Notice[] = [];
  private readonly open = new Map<string, () => void>();
  private confirmation: vscode.Disposable | undefined;

  dispose(): void {
    for (const close of this.open.values()) close();
    this.open.clear();
    this.confirmation?.dispose();
  }

  /** Shows an error notification with these buttons; a click runs the matching command. */
  error(message: string, ...actions: Array<NoticeAction | CustomAction>): Promise<void> {
    return this.show('error', message, actions);
  }

  warn(message: string, ...actions: Array<NoticeAction | CustomAction>): Promise<void> {
    return this.show('warning', message, actions);
  }

  info(message: string, ...actions: Array<NoticeAction | CustomAction>): Promise<void> {
    return this.show('info', message, actions);
  }

  last(): Notice | undefined {
    return this.shown.at(-1);
  }

  /**
   * A notice that is a state, not an event: it shows while `key`'s cause lasts and closes itself when
   * end(key) is called (VS Code cannot close a message toast, so it is a progress notification).
   * Showing the same key again while it is open changes nothing.
   */
  whileState(key: string, message: string): void {
    if (this.open.has(key)) return;
    let close!: () => void;
    const closed = new Promise<void>((resolve) => (close = resolve));
    this.open.set(key, close);
    this.shown.push({ message, severity: 'info', actions: [] });
    if (this.shown.length > KEEP) this.shown.shift();
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: message }, () => closed);
  }

  /** The cause of a whileState() notice ended: the notice closes. */
  end(key: string): void {
    this.open.get(key)?.();
    this.open.delete(key);
  }

  isOpen(key: string): boolean {
    return this.open.has(key);
  }

  /** A brief confirmation of what the user just did, in the status bar; it goes by itself. */
  confirm(message: string): void {
    this.shown.push({ message, severity: 'info', actions: [] });
    if (this.shown.length > KEEP) this.shown.shift();
    this.confirmation?.dispose(); // a newer confirmation replaces the last one
    this.confirmation = vscode.window.setStatusBarMessage(`$(check) ${message}`, CONFIRM_MS);
  }

  private async show(severity: Severity, message: string, actions: Array<NoticeAction | CustomAction>): Promise<void> {
    const buttons = actions.map((a) => (typeof a === 'string' ? { label: label(a), run: () => runAction(a) } : a));
    this.shown.push({ message, severity, actions: buttons.map((b) => b.label) });
    if (this.shown.length > KEEP) this.shown.shift();
    const labels = buttons.map((b) => b.label);
    const picked =
      severity === 'error'
        ? await vscode.window.showErrorMessage(message, ...labels)
        : severity === 'warning'
          ? await vscode.window.showWarningMessage(message, ...labels)
          : await vscode.window.showInformationMessage(message, ...labels);
    await buttons.find((b) => b.label === picked)?.run();
  }
}

async function runAction(action: NoticeAction): Promise<void> {
  if (action === 'openFolder') await openFolder();
  else await vscode.commands.executeCommand(`wegent.${action}`);
}

/** The folder dialog, then the stable `vscode.openFolder` command (works in desktop and web builds). */
async function openFolder(): Promise<void> {
  const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: vscode.l10n.t('Open Folder') });
  if (picked?.[0]) await vscode.commands.executeCommand('vscode.openFolder', picked[0]);
}
