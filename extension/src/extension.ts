// Entry point of the Wegent extension: builds the pieces in ./vscode (the only code that touches the
// VS Code API) around the executor core and registers them. Returns a small API for tests.
import * as vscode from 'vscode';
import { Executor } from './executor/executor';
import { DeviceController } from './vscode/deviceController';
import { DeviceStatusBar } from './vscode/statusBar';
import { WegentOutput } from './vscode/output';
import { ChatViewProvider, CHAT_VIEW_ID } from './vscode/chatView';
import { registerCommands } from './vscode/commands';
import { registerOpenChatFile } from './vscode/openChatFile';
import { registerOpenChanges } from './vscode/openChanges';
import { registerCleanWorktrees } from './vscode/cleanWorktrees';
import { LocalApprovalPrompt } from './vscode/toolApproval';
import { ChatNotifications } from './vscode/chatNotifications';
import { connectHere, CONNECT_HERE_KEY, readSettings, TokenStore } from './vscode/settings';
import { watchPeers } from './vscode/windowPeers';
import { defaultDataDir, folderKeyOf } from './executor/identity';
import type { WegentApi } from './vscode/wegentApi';
import { Notices } from './vscode/notices';
import { FolderPicker } from './vscode/folderPicker';
import { TokenPrompt } from './vscode/tokenPrompt';
import { registerContextCommands } from './vscode/chatContext';
import { ErrorCode, isAuthErrorCode, type ProtocolError } from '@wegent/shared';
import type { ExecutorSnapshot } from './executor/api';

export type { WegentApi };

let controller: DeviceController | undefined;

const DEVICE_SETTINGS = ['wegent.backendUrl', 'wegent.maxSlots', 'wegent.deviceName', 'wegent.permissionMode', 'wegent.claudeCodePath', 'wegent.isolation', 'wegent.setupCommand'];

export function activate(context: vscode.ExtensionContext): WegentApi {
  const output = new WegentOutput();
  const statusBar = new DeviceStatusBar();
  const tokens = new TokenStore(context.secrets);
  const notices = new Notices();
  const folderPicker = new FolderPicker();
  const tokenPrompt = new TokenPrompt();
  const setStateContext = (state: string) => void vscode.commands.executeCommand('setContext', 'wegent.deviceState', state);

  controller = new DeviceController((options) => new Executor(options), {
    log: output,
    onSnapshot: (snapshot) => {
      statusBar.update(snapshot);
      setStateContext(snapshot?.state ?? 'disconnected');
      followConnection(notices, snapshot);
    },
    // The device stopped for good (token expired/revoked while connected, replaced…): say what to do.
    onError: (error) => void stoppedForGood(notices, error),
    taskStarted: (task) => output.taskStarted(task),
    taskEvent: (subtaskId, event) => output.taskEvent(subtaskId, event),
    taskEnded: (subtaskId, status, error) => output.taskEnded(subtaskId, status, error),
    approvalOpened: (approval) => void localPrompt.show(approval),
    approvalClosed: (approval, outcome) => localPrompt.closed(approval, outcome),
  });
  const device = controller;
  const localPrompt = new LocalApprovalPrompt(device);

  let chatVisible = false;
  const chatNotifications = new ChatNotifications({ localDeviceId: () => device.snapshot?.deviceId, chatVisible: () => chatVisible });
  const chatView = new ChatViewProvider({
    extensionUri: context.extensionUri,
    tokens,
    log: output,
    localDeviceId: () => device.snapshot?.deviceId,
    onPush: (event, payload, visible) => {
      chatVisible = visible;
      chatNotifications.onPush(event, payload);
    },
  });

  context.subscriptions.push(
    output,
    statusBar,
    tokens,
    notices,
    chatView,
    vscode.window.registerWebviewViewProvider(CHAT_VIEW_ID, chatView, { webviewOptions: { retainContextWhenHidden: true } }),
    // Reopens the local prompt (from the status bar's "needs input", the sidebar's card, the palette).
    vscode.commands.registerCommand('wegent.showApprovals', () => localPrompt.reopen()),
    ...registerOpenChanges(() => device.worktrees),
    registerCleanWorktrees(() => device.worktrees, () => new Set(device.snapshot?.running.map((r) => r.taskId) ?? [])),
    registerOpenChatFile(() => device.worktrees),
    vscode.commands.registerCommand('wegent.chatSettings', () => chatView.toggleSettings()),
    ...registerContextCommands(chatView),
    ...registerCommands({
      context,
      controller: device,
      tokens,
      output,
      notices,
      folderPicker,
      tokenPrompt,
      executorVersion: String(context.extension.packageJSON.version ?? '0.0.0'),
      onDeviceChanged: () => chatView.refreshHostInfo(),
      openChatInEditor: () => chatView.openInEditor(),
    }),
  );
  setStateContext('disconnected');
  // For the walkthrough's "connect" step and menus: signed in = a token is kept on this machine.
  const setSignedIn = async () => void vscode.commands.executeCommand('setContext', 'wegent.signedIn', Boolean(await tokens.get()));
  context.subscriptions.push(tokens.onDidChange(() => void setSignedIn()));
  void setSignedIn();

  // A running device keeps the settings it started with; offer to restart it with the new ones.
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!device.isRunning || !DEVICE_SETTINGS.some((key) => e.affectsConfiguration(key))) return;
      const now = vscode.l10n.t('Reconnect Now');
      const picked = await vscode.window.showInformationMessage(vscode.l10n.t('Wegent: reconnect the device to apply the changed settings.'), now);
      if (picked === now) await vscode.commands.executeCommand('wegent.reconnectSilently');
    }),
  );

  // "From then on that folder is a device": reconnect if it was connected here when the window closed.
  if (readSettings().autoConnect && connectHere(context.workspaceState, context.globalState)) {
    void vscode.commands.executeCommand('wegent.reconnectSilently');
  }
  offerWhenPeersConnect(context, device, tokens, notices);

  return { logUri: context.logUri, controller: device, statusBar, output, chatView, tokens, notices, folderPicker, localPrompt, chatNotifications, tokenPrompt };
}

/** The backend is unreachable while the device runs (it retries by itself): a notice exactly as long as that lasts. */
const UNREACHABLE = 'backend-unreachable';
function followConnection(notices: Notices, snapshot: ExecutorSnapshot | undefined): void {
  const lost = (snapshot?.state === 'offline' || snapshot?.state === 'connecting') && snapshot.error?.code === ErrorCode.UNAVAILABLE;
  if (lost) {
    notices.whileState(UNREACHABLE, vscode.l10n.t('Wegent: cannot reach the backend at {0}. Retrying; this closes when the device is back online.', snapshot.backendUrl));
  } else notices.end(UNREACHABLE); // online again, disconnected, or stopped for another reason
}

function stoppedForGood(notices: Notices, error: ProtocolError): void {
  // Another window or executor on this folder took the device over: a state, not a failure. It is
  // never taken back without the user asking (no tug of war between two auto-connecting windows).
  if (error.code === ErrorCode.DEVICE_REPLACED) void notices.warn(`Wegent: ${error.message}`, 'takeOver', 'showOutput');
  else void notices.error(`Wegent: ${error.message}`, ...(isAuthErrorCode(error.code) ? (['setToken', 'showOutput'] as const) : (['showOutput'] as const)));
}

/**
 * The token is shared by every window of the machine: when another window connects its folder, a
 * window that is signed in but not connected (and was never told "not here") offers to connect its
 * own folder too.
 */
function offerWhenPeersConnect(context: vscode.ExtensionContext, device: DeviceController, tokens: TokenStore, notices: Notices): void {
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  if (!folder) return;
  let ownKey: string | undefined;
  void folderKeyOf(folder.uri.fsPath).then((key) => (ownKey = key));
  void watchPeers(defaultDataDir(), () => ownKey, async (peer) => {
    if (device.isRunning || context.workspaceState.get<boolean>(CONNECT_HERE_KEY) === false || !(await tokens.get())) return;
    const t = vscode.l10n.t;
    void notices.info(
      t('Wegent: "{0}" was connected in another window. Connect this folder ({1}) as a device too?', peer.name, folder.name),
      'connectDevice',
      { label: t('Not for This Folder'), run: () => context.workspaceState.update(CONNECT_HERE_KEY, false) },
    );
  }).then((stop) => context.subscriptions.push({ dispose: stop }));
}

/** Stops the device: running tasks are cancelled and reported to the backend as such. */
export async function deactivate(): Promise<void> {
  await controller?.disconnect({ drain: false });
  controller = undefined;
}
