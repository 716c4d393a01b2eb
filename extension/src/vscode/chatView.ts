// The chat: the sidebar's webview view, and as many editor tabs as the user opens (Wegent: Open Chat
// in Editor) — each loads the same chat bundle built in webview-ui/ (copied into dist/webview by the
// build) under a nonce Content-Security-Policy, with a ChatBridge of its own that holds the socket and
// the token on this side.
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import type { ContextItem, HostInfo, HostToWebview } from '@wegent/shared';
import { ChatBridge } from './chatBridge';
import { mentionCandidates } from './chatContext';
import { chatHtml } from './chatHtml';
import { OPEN_CHAT_FILE_COMMAND } from './openChatFile';
import type { TokenStore } from './settings';
import { readSettings } from './settings';
import type { Logger } from '../executor/api';

export const CHAT_VIEW_ID = 'wegent.chat';
/** The editor-tab chat's webview panel type. */
export const CHAT_PANEL_TYPE = 'wegent.chatEditor';
/** Where the build puts the webview bundle (extension/scripts/copy-webview.mjs). */
export const WEBVIEW_DIR = ['dist', 'webview'];

export interface ChatViewDeps {
  extensionUri: vscode.Uri;
  tokens: TokenStore;
  log: Logger;
  localDeviceId(): string | undefined;
  /** Every server push the chat receives, with whether the view is on screen (notifications). */
  onPush?(event: string, payload: unknown, visible: boolean): void;
}

export class ChatViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private bridge: ChatBridge | undefined;
  /** The chats open in editor tabs, with their bridges. */
  readonly panels = new Map<vscode.WebviewPanel, ChatBridge>();
  /** Context added before the sidebar chat was loaded: handed over when its webview says ready. */
  private pending: ContextItem[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  /** Every message posted to the webview, for tests of the bridge inside the real host. */
  readonly posted = new vscode.EventEmitter<HostToWebview>();

  constructor(private readonly deps: ChatViewDeps) {
    this.disposables.push(
      deps.tokens.onDidChange(() => this.bridges().forEach((b) => void b.start())),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('wegent.backendUrl')) this.bridges().forEach((b) => void b.start());
      }),
    );
  }

  get isResolved(): boolean {
    return this.view !== undefined;
  }

  get connectionStatus(): string | undefined {
    return this.bridge?.connectionStatus;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.webview.options = { enableScripts: true, localResourceRoots: [this.root] };
    const bridge = this.attach(view.webview, true);
    this.bridge = bridge;
    view.onDidDispose(() => {
      bridge.dispose();
      if (this.view === view) {
        this.view = undefined;
        this.bridge = undefined;
        this.ready = false;
      }
    });
  }

  /**
   * Adds a selection or file to the next message of the chat the user is looking at: the active
   * editor-tab chat, else the sidebar (shown first).
   */
  async addContext(item: ContextItem): Promise<void> {
    const panel = [...this.panels.keys()].find((p) => p.active) ?? [...this.panels.keys()].find((p) => p.visible);
    if (panel) {
      panel.reveal(undefined, false);
      void panel.webview.postMessage({ type: 'context', item } satisfies HostToWebview);
      return;
    }
    await vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`);
    if (this.view && this.ready) this.postToSidebar({ type: 'context', item });
    else this.pending.push(item);
  }

  /** The view title's gear: the sidebar chat shows its settings (account, usage, commands), or the chat again. */
  async toggleSettings(): Promise<void> {
    await vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`);
    if (this.view && this.ready) this.postToSidebar({ type: 'toggleSettings' });
  }

  /** The sidebar webview said ready at least once (it takes messages). */
  private ready = false;

  private postToSidebar(message: HostToWebview): void {
    this.posted.fire(message);
    void this.view?.webview.postMessage(message);
  }

  /** The chat in an editor tab beside the current editor (the same app; a conversation of its own). */
  openInEditor(): vscode.WebviewPanel {
    const panel = vscode.window.createWebviewPanel(
      CHAT_PANEL_TYPE,
      vscode.l10n.t('Wegent Chat'),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
      { enableScripts: true, localResourceRoots: [this.root], retainContextWhenHidden: true },
    );
    panel.iconPath = vscode.Uri.joinPath(this.deps.extensionUri, 'media', 'wegent.svg');
    const bridge = this.attach(panel.webview, false);
    this.panels.set(panel, bridge);
    panel.onDidDispose(() => {
      bridge.dispose();
      this.panels.delete(panel);
    });
    return panel;
  }

  private get root(): vscode.Uri {
    return vscode.Uri.joinPath(this.deps.extensionUri, ...WEBVIEW_DIR);
  }

  private bridges(): ChatBridge[] {
    return [...(this.bridge ? [this.bridge] : []), ...this.panels.values()];
  }

  /** A bridge between this webview and the backend; `sidebar`: its messages are the ones tests observe. */
  private attach(webview: vscode.Webview, sidebar: boolean): ChatBridge {
    const bridge = new ChatBridge({
      post: (message) => {
        if (sidebar) {
          this.posted.fire(message);
          // One notifier for the window: the sidebar's pushes (every chat receives the same ones).
          if (message.type === 'push') this.deps.onPush?.(message.event, message.payload, Boolean(this.view?.visible) || [...this.panels.keys()].some((p) => p.visible));
        }
        void webview.postMessage(message);
      },
      backendUrl: () => readSettings().backendUrl,
      token: () => this.deps.tokens.get(),
      hostInfo: (signedIn) => ({ ...this.hostInfo(signedIn), surface: sidebar ? 'sidebar' : 'editor' }),
      runCommand: (command) => void vscode.commands.executeCommand(`wegent.${command}`),
      openChanges: (taskId) => void vscode.commands.executeCommand('wegent.openChanges', taskId),
      openFile: (file) => void vscode.commands.executeCommand(OPEN_CHAT_FILE_COMMAND, file),
      mentions: (query) => this.mentions(query),
      log: this.deps.log,
    });
    // Dies with the webview; the bridge is disposed by the owner's onDidDispose.
    webview.onDidReceiveMessage((m: { type?: string }) => {
      void bridge.handle(m);
      if (sidebar && m?.type === 'ready') {
        this.ready = true;
        for (const item of this.pending.splice(0)) this.postToSidebar({ type: 'context', item });
      }
    });
    void this.render(webview, this.root);
    return bridge;
  }

  /** What `@` in a chat's composer offers for a query (the selection, the file, matching workspace files). */
  mentions(query: string): Promise<ContextItem[]> {
    return mentionCandidates(query);
  }

  /** Tells the open chat that this window's device changed (e.g. it just connected). */
  refreshHostInfo(): void {
    for (const b of this.bridges()) void b.announce();
  }

  private hostInfo(signedIn: boolean): HostInfo {
    const deviceId = this.deps.localDeviceId();
    return {
      host: 'vscode',
      locale: vscode.env.language,
      backend_url: readSettings().backendUrl,
      signed_in: signedIn,
      ...(deviceId ? { local_device_id: deviceId } : {}),
    };
  }

  private async render(webview: vscode.Webview, root: vscode.Uri): Promise<void> {
    const exists = async (name: string) => vscode.workspace.fs.stat(vscode.Uri.joinPath(root, name)).then(() => true, () => false);
    const [hasScript, hasStyle] = await Promise.all([exists('main.js'), exists('main.css')]);
    webview.html = chatHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      lang: vscode.env.language,
      asset: (name) => webview.asWebviewUri(vscode.Uri.joinPath(root, name)).toString(),
      hasScript,
      styles: hasStyle ? ['main.css'] : [],
    });
  }

  dispose(): void {
    for (const panel of this.panels.keys()) panel.dispose();
    this.bridge?.dispose();
    this.posted.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
