// The sidebar chat: a webview view that loads the chat bundle built in webview-ui/ (copied into
// dist/webview by the build) under a nonce Content-Security-Policy, and connects it to a ChatBridge
// that holds the socket and the token on this side.
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import type { HostInfo, HostToWebview } from '@wegent/shared';
import { ChatBridge } from './chatBridge';
import { chatHtml } from './chatHtml';
import type { TokenStore } from './settings';
import { readSettings } from './settings';
import type { Logger } from '../executor/api';

export const CHAT_VIEW_ID = 'wegent.chat';
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
  private readonly disposables: vscode.Disposable[] = [];
  /** Every message posted to the webview, for tests of the bridge inside the real host. */
  readonly posted = new vscode.EventEmitter<HostToWebview>();

  constructor(private readonly deps: ChatViewDeps) {
    this.disposables.push(
      deps.tokens.onDidChange(() => void this.bridge?.start()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('wegent.backendUrl')) void this.bridge?.start();
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
    const root = vscode.Uri.joinPath(this.deps.extensionUri, ...WEBVIEW_DIR);
    view.webview.options = { enableScripts: true, localResourceRoots: [root] };
    const bridge = new ChatBridge({
      post: (message) => {
        this.posted.fire(message);
        if (message.type === 'push') this.deps.onPush?.(message.event, message.payload, view.visible);
        void view.webview.postMessage(message);
      },
      backendUrl: () => readSettings().backendUrl,
      token: () => this.deps.tokens.get(),
      hostInfo: (signedIn) => this.hostInfo(signedIn),
      runCommand: (command) => void vscode.commands.executeCommand(`wegent.${command}`),
      openChanges: (taskId) => void vscode.commands.executeCommand('wegent.openChanges', taskId),
      log: this.deps.log,
    });
    this.bridge = bridge;
    const subscription = view.webview.onDidReceiveMessage((m) => bridge.handle(m));
    view.onDidDispose(() => {
      subscription.dispose();
      bridge.dispose();
      if (this.view === view) {
        this.view = undefined;
        this.bridge = undefined;
      }
    });
    void this.render(view.webview, root);
  }

  /** Tells the open chat that this window's device changed (e.g. it just connected). */
  refreshHostInfo(): void {
    void this.bridge?.announce();
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
    this.bridge?.dispose();
    this.posted.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
