// The VS Code host: every request and HTTP call goes to the extension host by postMessage
// (shared/src/bridge.ts); the host holds the /chat socket and the token, so the token never
// enters the webview. UI state survives hide/show through the webview state API.
import type { ContextItem, HostInfo, HostToWebview, HttpMethod, HttpReply, OpenFileRequest, WebviewToHost } from '@wegent/shared';
import { Listeners, NETWORK_ERROR, type HostCommand, type PersistedState, type Transport } from './types';
import { CHAT_REQUEST_TIMEOUT_MS } from '../protocol';

/** The object VS Code injects into webviews; acquirable once per page. */
export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare global {
  // eslint-disable-next-line no-var
  var acquireVsCodeApi: (() => VsCodeApi) | undefined;
}

/**
 * How long a relayed request may take before the UI treats the host as unresponsive: the host gives
 * up on the backend after CHAT_REQUEST_TIMEOUT_MS and answers itself, so this only fires when the
 * host never answers at all (the extension host restarted or hangs).
 */
const REPLY_TIMEOUT_MS = CHAT_REQUEST_TIMEOUT_MS + 5_000;

type Pending = { resolve: (v: never) => void; timer: ReturnType<typeof setTimeout> };

export class VsCodeTransport implements Transport {
  readonly kind = 'vscode' as const;
  private readonly listeners = new Listeners();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private info?: HostInfo;
  private waitingForInit: ((info: HostInfo) => void)[] = [];

  constructor(
    private readonly api: VsCodeApi,
    private readonly win: Window = window,
    private readonly replyTimeoutMs = REPLY_TIMEOUT_MS,
  ) {
    this.win.addEventListener('message', (e: MessageEvent) => this.onMessage(e.data as HostToWebview));
  }

  start(): Promise<HostInfo> {
    const ready = new Promise<HostInfo>((resolve) => {
      if (this.info) resolve(this.info);
      else this.waitingForInit.push(resolve);
    });
    this.post({ type: 'ready' });
    return ready;
  }

  request: Transport['request'] = (event, payload) =>
    this.call((id) => ({ type: 'request', id, event, payload }), { ok: false, error: NETWORK_ERROR } as never);

  http<T>(method: HttpMethod, path: string, body?: unknown): Promise<HttpReply<T>> {
    return this.call((id) => ({ type: 'http', id, method, path, body }), { status: 0, body: { error: NETWORK_ERROR } } as never);
  }

  upload: Transport['upload'] = async (blob, name, mediaType) => {
    const data = await base64Of(blob);
    return this.call((id) => ({ type: 'upload', id, name, media_type: mediaType, data }), { status: 0, body: { error: NETWORK_ERROR } } as never);
  };

  subscribe = (l: Parameters<Transport['subscribe']>[0]) => this.listeners.add(l);

  loadState(): PersistedState | undefined {
    return (this.api.getState() as PersistedState | undefined) ?? undefined;
  }

  saveState(state: PersistedState): void {
    this.api.setState(state);
  }

  command(command: HostCommand): void {
    this.post({ type: 'command', command });
  }

  openChanges(taskId: string): void {
    this.post({ type: 'openChanges', task_id: taskId });
  }

  openFile(file: OpenFileRequest): void {
    this.post({ type: 'openFile', ...file });
  }

  mentions(query: string): Promise<ContextItem[]> {
    return this.call((id) => ({ type: 'mentions', id, query }), [] as ContextItem[]);
  }

  reconnect(): void {
    this.post({ type: 'reconnect' });
  }

  private call<R>(make: (id: number) => WebviewToHost, onTimeout: R): Promise<R> {
    const id = this.nextId++;
    return new Promise<R>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(onTimeout);
      }, this.replyTimeoutMs);
      this.pending.set(id, { resolve: resolve as (v: never) => void, timer });
      this.post(make(id));
    });
  }

  private settle(id: number, value: unknown): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    p.resolve(value as never);
  }

  private onMessage(msg: HostToWebview): void {
    if (!msg || typeof msg !== 'object') return;
    switch (msg.type) {
      case 'init':
        this.info = msg.info;
        for (const w of this.waitingForInit.splice(0)) w(msg.info);
        this.listeners.emit({ type: 'info', info: msg.info });
        break;
      case 'connection':
        this.listeners.emit({ type: 'connection', status: msg.status, message: msg.message });
        break;
      case 'toggleSettings':
        this.listeners.emit({ type: 'toggleSettings' });
        break;
      case 'context':
        this.listeners.emit({ type: 'context', item: msg.item });
        break;
      case 'response':
        this.settle(msg.id, msg.ack);
        break;
      case 'httpResponse':
        this.settle(msg.id, msg.reply);
        break;
      case 'mentions':
        this.settle(msg.id, Array.isArray(msg.items) ? msg.items : []);
        break;
      case 'push':
        this.listeners.emit({ type: 'push', event: msg.event, payload: msg.payload });
        break;
    }
  }

  private post(msg: WebviewToHost): void {
    this.api.postMessage(msg);
  }
}

/** A blob's bytes in base64 (postMessage carries strings safely everywhere). */
async function base64Of(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let out = '';
  for (let i = 0; i < bytes.length; i += 0x8000) out += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(out);
}
