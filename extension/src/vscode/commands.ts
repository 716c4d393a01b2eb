// The "Wegent: …" commands. Connect Device: a workspace, a token (asked for once, kept in
// SecretStorage), a token check against the backend with a clear message on failure (S18), then
// the executor. Everything a user can do from the palette, the status bar menu or the chat.
import * as vscode from 'vscode';
import { isAuthErrorCode } from '@wegent/shared';
import { checkToken, type TokenCheck } from './tokenCheck';
import type { TokenPrompt } from './tokenPrompt';
import { CONNECT_HERE_KEY, readSettings, type TokenStore } from './settings';
import { loadDeviceIdentity, defaultDataDir, folderKeyOf } from '../executor/identity';
import { onlineTwin } from './twinDevice';
import { announceConnected } from './windowPeers';
import type { DeviceController } from './deviceController';
import type { WegentOutput } from './output';
import { CHAT_VIEW_ID } from './chatView';
import { EXTENSION_ID } from './wegentApi';
import { chooseFolder } from './folderChoice';
import { deviceInfo } from './deviceInfo';
import type { FolderPicker } from './folderPicker';
import type { Notices, NoticeAction } from './notices';

/** workspaceState key: the folder picked last time in a multi-root workspace. */
const FOLDER_KEY = 'wegent.workspaceFolder';

export interface CommandDeps {
  context: vscode.ExtensionContext;
  controller: DeviceController;
  tokens: TokenStore;
  output: WegentOutput;
  notices: Notices;
  folderPicker: FolderPicker;
  tokenPrompt: TokenPrompt;
  executorVersion: string;
  /** Opens the chat in an editor tab (Wegent: Open Chat in Editor). */
  openChatInEditor(): unknown;
  /** Called after the device connected or disconnected (the chat learns its local device id). */
  onDeviceChanged(): void;
}

const t = vscode.l10n.t;

export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const { context, controller, tokens, output } = deps;

  const showError = (message: string, ...actions: NoticeAction[]) => deps.notices.error(message, ...actions);
  /** The folder the running device was started with (for Show Device Info). */
  let connectedFolder: string | undefined;

  /** The task cwd: the only folder, or the user's pick in a multi-root workspace (remembered). */
  async function workspaceFolder(interactive: boolean): Promise<vscode.WorkspaceFolder | undefined> {
    const folders = vscode.workspace.workspaceFolders?.map((folder) => ({ folder, name: folder.name, uri: folder.uri.toString() }));
    const choice = await chooseFolder({
      folders,
      remembered: context.workspaceState.get<string>(FOLDER_KEY),
      interactive,
      pick: deps.folderPicker.pick,
    });
    if (choice.kind === 'none') {
      void showError(t('Open a folder first: Wegent runs tasks in the open workspace.'), 'openFolder');
      return undefined;
    }
    if (choice.kind === 'cancelled') return undefined;
    await context.workspaceState.update(FOLDER_KEY, choice.folder.uri);
    return choice.folder.folder;
  }

  /**
   * Returns false (after telling the user why) when the device cannot connect. `takeOver`: connect even
   * when another window or a wegent-executor serves this folder right now (it stops).
   */
  async function connect(opts: { interactive: boolean; takeOver?: boolean }): Promise<boolean> {
    const folder = await workspaceFolder(opts.interactive);
    if (!folder) return false;
    if (folder.uri.scheme !== 'file') {
      void showError(t('Wegent runs tasks on files on this machine; "{0}" is not a folder on disk.', folder.uri.toString()));
      return false;
    }
    const settings = readSettings();
    let token = await tokens.get();
    let check: TokenCheck | undefined;
    if (!token) {
      if (!opts.interactive) return false;
      const answer = await deps.tokenPrompt.ask({ backendUrl: settings.backendUrl });
      if (!answer) return false;
      [token, check] = [answer.token, answer.check];
      await tokens.set(token);
    }
    check ??= await checkToken(settings.backendUrl, token);
    if (!check.ok && check.kind === 'auth' && opts.interactive) {
      // The kept token is refused (expired, revoked, mistyped): ask for another one, saying why.
      output.error(`Connect refused: ${check.code}`, { backend: settings.backendUrl });
      const answer = await deps.tokenPrompt.ask({ backendUrl: settings.backendUrl, refusal: check.message });
      if (!answer) return false;
      [token, check] = [answer.token, answer.check];
      await tokens.set(token);
    }
    if (!check.ok) {
      output.error(`Connect refused: ${check.code}`, { backend: settings.backendUrl });
      void showError(check.message, ...(check.kind === 'auth' ? (['setToken'] as const) : (['openSettings', 'showOutput'] as const)));
      return false;
    }
    output.info(`Signed in to ${settings.backendUrl} as ${check.user.username}; tasks run in ${folder.uri.fsPath}`);
    // Each folder is a device of its own (identity.ts); the same folder twice is the only duplicate.
    const identity = await loadDeviceIdentity({ workspace: folder.uri.fsPath, mode: 'local', deviceName: settings.executor.deviceName });
    if (!opts.takeOver && identity.deviceId !== controller.ownDeviceId) {
      const twin = await onlineTwin(settings.backendUrl, token, identity.deviceId);
      if (twin) {
        output.info(`"${twin.name}" (${twin.device_id}) is online already: another window or a wegent-executor serves ${folder.uri.fsPath}`);
        void deps.notices.warn(
          t('Wegent: this folder is already connected as "{0}" from another VS Code window or a wegent-executor run in it. Take it over here? The other one stops.', twin.name),
          'takeOver',
        );
        return false;
      }
    }
    try {
      const snapshot = await controller.connect({
        ...settings.executor,
        token,
        workspace: folder.uri.fsPath,
        deviceId: identity.deviceId,
        deviceName: identity.deviceName,
        executorVersion: deps.executorVersion,
      });
      connectedFolder = folder.uri.fsPath;
      await context.workspaceState.update(CONNECT_HERE_KEY, true);
      deps.onDeviceChanged();
      // The other windows of this machine offer to connect their folders too (windowPeers.ts).
      void folderKeyOf(folder.uri.fsPath)
        .then((folderKey) => announceConnected(defaultDataDir(), { folderKey, name: snapshot.deviceName }))
        .catch(() => undefined);
      if (opts.interactive) {
        void vscode.window.showInformationMessage(t('Wegent: "{0}" is connected as a device of {1}.', snapshot.deviceName || snapshot.deviceId, check.user.username));
      }
      return true;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const code = (err as { code?: unknown }).code;
      output.error(`The device could not start: ${message}`);
      void showError(t('Wegent: the device could not start: {0}', message), ...(isAuthErrorCode(code) ? (['setToken'] as const) : (['showOutput'] as const)));
      return false;
    }
  }

  async function disconnect(): Promise<void> {
    const wasRunning = controller.isRunning;
    await controller.disconnect({ drain: false });
    await context.workspaceState.update(CONNECT_HERE_KEY, false);
    deps.onDeviceChanged();
    output.info('Device disconnected by the user');
    if (wasRunning) deps.notices.confirm(t('Wegent: this folder is disconnected; it stays offline until you connect it.'));
  }

  /** Asks for a token, keeps it once the backend accepted it, then connects this folder with it. */
  async function setToken(): Promise<void> {
    const answer = await deps.tokenPrompt.ask({ backendUrl: readSettings().backendUrl });
    if (!answer) return; // a refused token was never kept: the old one (if any) still is
    await tokens.set(answer.token);
    if (!answer.check.ok) {
      void deps.notices.warn(t('Token saved, but it could not be checked: {0}', answer.check.message), 'openSettings');
      return;
    }
    const hasFolder = vscode.workspace.workspaceFolders?.some((f) => f.uri.scheme === 'file');
    // "Connect once a good one is set": the device (re)starts with it; its toast names the account.
    if (hasFolder) await connect({ interactive: true });
    else void vscode.window.showInformationMessage(t('Wegent: signed in as {0}.', answer.check.user.username));
  }

  async function signOut(): Promise<void> {
    await controller.disconnect({ drain: false });
    await tokens.clear();
    await context.workspaceState.update(CONNECT_HERE_KEY, false);
    deps.onDeviceChanged();
    deps.notices.confirm(t('Wegent: signed out; the API token was removed from this machine.'));
  }

  /** Writes the device's details to the output channel and shows a one-line summary. */
  function showDeviceInfo(): void {
    const snapshot = controller.snapshot;
    const info = deviceInfo({ snapshot, backendUrl: readSettings().backendUrl, workspace: controller.isRunning ? connectedFolder : undefined });
    output.info(['Device info:', ...info.lines.map((l) => `  ${l}`)].join('\n'));
    const copy = t('Copy Device ID');
    const show = t('Show Output');
    const actions = snapshot && snapshot.state !== 'disconnected' ? [copy, show] : [show];
    void vscode.window.showInformationMessage(info.summary, ...actions).then(async (picked) => {
      if (picked === copy && snapshot) await vscode.env.clipboard.writeText(snapshot.deviceId);
      if (picked === show) output.show();
    });
  }

  async function showStatusMenu(): Promise<void> {
    const running = controller.isRunning;
    type Item = vscode.QuickPickItem & { command: string };
    const items: Item[] = [
      running
        ? { label: `$(debug-disconnect) ${t('Disconnect Device')}`, command: 'wegent.disconnectDevice' }
        : { label: `$(plug) ${t('Connect Device')}`, command: 'wegent.connectDevice' },
      { label: `$(comment-discussion) ${t('Open Chat')}`, command: 'wegent.openChat' },
      { label: `$(info) ${t('Show Device Info')}`, command: 'wegent.showDeviceInfo' },
      { label: `$(output) ${t('Show Output')}`, command: 'wegent.showOutput' },
      { label: `$(key) ${t('Set API Token')}`, command: 'wegent.setToken' },
      { label: `$(settings-gear) ${t('Open Settings')}`, command: 'wegent.openSettings' },
    ];
    const snap = controller.snapshot;
    const picked = await vscode.window.showQuickPick(items, {
      title: snap ? `Wegent — ${snap.deviceName} (${snap.state}, ${snap.slotsUsed}/${snap.maxSlots})` : 'Wegent',
    });
    if (picked) await vscode.commands.executeCommand(picked.command);
  }

  const register = (id: string, fn: (...args: unknown[]) => unknown) => vscode.commands.registerCommand(id, fn);
  return [
    register('wegent.connectDevice', () => connect({ interactive: true })),
    register('wegent.reconnectSilently', () => connect({ interactive: false })),
    register('wegent.takeOver', () => {
      // A Take Over button on an old notice, after this window got the folder back some other way:
      // nothing to take (a reconnect would only cancel the running tasks).
      const state = controller.snapshot?.state;
      if ((state === 'online' || state === 'busy') && controller.snapshot?.deviceId === controller.ownDeviceId) {
        deps.notices.confirm(t('Wegent: this window serves this folder already.'));
        return true;
      }
      return connect({ interactive: true, takeOver: true });
    }),
    register('wegent.disconnectDevice', disconnect),
    register('wegent.setToken', setToken),
    register('wegent.signOut', signOut),
    register('wegent.showOutput', () => output.show()),
    register('wegent.showDeviceInfo', showDeviceInfo),
    register('wegent.openChat', () => vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`)),
    register('wegent.openChatInEditor', () => deps.openChatInEditor()),
    register('wegent.openSettings', () => vscode.commands.executeCommand('workbench.action.openSettings', '@ext:wegent.wegent')),
    register('wegent.showStatusMenu', showStatusMenu),
    register('wegent.openWegent', () => vscode.env.openExternal(vscode.Uri.parse(readSettings().backendUrl))),
    register('wegent.openWalkthrough', () => vscode.commands.executeCommand('workbench.action.openWalkthrough', `${EXTENSION_ID}#gettingStarted`, false)),
  ];
}
