// The one seam between the chat UI and whoever carries its messages. Two implementations:
// vscode.ts (postMessage to the extension host, which holds the socket and the token, per
// shared/src/bridge.ts) and browser.ts (socket.io-client and fetch straight to the backend).
import type {
  AttachmentUploaded,
  ProtocolError,
  ChatPushName,
  ChatRequestName,
  ConnectionStatus,
  ContextItem,
  HostInfo,
  HttpMethod,
  HttpReply,
  OpenFileRequest,
  RequestAck,
  RequestPayload,
  WebviewToHost,
} from '@wegent/shared';
import type { Unsent } from '../unsent';

export type TransportEvent =
  | { type: 'info'; info: HostInfo }
  | { type: 'connection'; status: ConnectionStatus; message?: string }
  | { type: 'push'; event: ChatPushName; payload: unknown }
  /** VS Code: the user added a selection or a file to the next message. */
  | { type: 'context'; item: ContextItem }
  /** VS Code: the view title's gear was pressed. */
  | { type: 'toggleSettings' };

export type TransportListener = (event: TransportEvent) => void;

export type HostCommand = Extract<WebviewToHost, { type: 'command' }>['command'];

/** UI state kept across reloads (VS Code: webview state; browser: sessionStorage). */
export interface PersistedState {
  taskId: string | null;
  pickedDeviceId: string | null;
  draft: string;
  /** Messages the backend refused, by conversation (unsent.ts). */
  unsent?: Unsent;
}

export interface Transport {
  readonly kind: 'vscode' | 'browser';
  /** Starts talking to the host; resolves with what the host says about itself. */
  start(): Promise<HostInfo>;
  /** A /chat request; always resolves, with `{ok:false, error}` when it could not be delivered. */
  request<E extends ChatRequestName>(event: E, payload: RequestPayload<E>): Promise<RequestAck<E>>;
  /** An HTTP call to the backend's API, authenticated by the host. Network failure → status 0. */
  http<T = unknown>(method: HttpMethod, path: string, body?: unknown): Promise<HttpReply<T>>;
  /** `POST /api/attachments`: one file's bytes (201 AttachmentUploaded, or the error body). */
  upload?(blob: Blob, name: string, mediaType: string): Promise<HttpReply<{ attachment?: AttachmentUploaded['attachment']; error?: ProtocolError }>>;
  subscribe(listener: TransportListener): () => void;
  loadState(): PersistedState | undefined;
  saveState(state: PersistedState): void;
  /** VS Code only: run one of the extension's commands. */
  command?(command: HostCommand): void;
  /** VS Code only: open a conversation's changes in the native multi-file diff editor (this device's tasks). */
  openChanges?(taskId: string): void;
  /** VS Code only: open a file a reply of this device's task names, in the editor (the host confines it to the workspace). */
  openFile?(file: OpenFileRequest): void;
  /** VS Code only: the selection and files an `@` in the composer may add (shared/src/bridge.ts `mentions`). */
  mentions?(query: string): Promise<ContextItem[]>;
  /** Reconnect to the backend now instead of waiting for the next automatic attempt. */
  reconnect?(): void;
  /** Browser only: sign in with a password (the session token stays in sessionStorage). */
  signIn?(username: string, password: string): Promise<{ ok: true } | { ok: false; error: { code: string; message: string } }>;
  /** Browser only: forget the session and close the socket. */
  signOut?(): void;
}

/** A small typed event fan-out shared by both implementations. */
export class Listeners {
  private readonly set = new Set<TransportListener>();
  add(l: TransportListener): () => void {
    this.set.add(l);
    return () => this.set.delete(l);
  }
  emit(e: TransportEvent): void {
    for (const l of [...this.set]) l(e);
  }
}

export const NETWORK_ERROR = { code: 'UNAVAILABLE', message: 'The backend did not answer. Check your connection and try again.' };
