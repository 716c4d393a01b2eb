// The typed message contract between the chat webview and its host. In VS Code the extension host
// holds the /chat socket and the token and answers these messages; in a browser the page talks to
// the backend itself, but through the same Transport shape (webview-ui/src/transport/).
import type { Ack, ChatClientToServer, ChatServerToClient } from './events';

export type ChatRequestName = keyof ChatClientToServer;
export type ChatPushName = keyof ChatServerToClient;
export type RequestPayload<E extends ChatRequestName> = Parameters<ChatClientToServer[E]>[0];
export type RequestAck<E extends ChatRequestName> = Parameters<Parameters<ChatClientToServer[E]>[1]>[0];
export type PushPayload<E extends ChatPushName> = Parameters<ChatServerToClient[E]>[0];

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Answer of an HTTP call relayed by a host: the status and the parsed JSON body (if any). */
export interface HttpReply<T = unknown> {
  status: number;
  body: T;
}

export type ConnectionStatus = 'connecting' | 'connected' | 'disconnected' | 'signed-out';

/** What the host tells the webview once at start and whenever it changes. */
export interface HostInfo {
  host: 'vscode' | 'browser';
  locale: string;
  backend_url: string;
  /** The device id of this VS Code window's executor, when it runs one. */
  local_device_id?: string;
  signed_in: boolean;
  /**
   * VS Code: where this chat is. The sidebar's view has its own title bar (connect, output, settings
   * gear), so the chat shows no second gear there; an editor tab has no such bar and keeps its own.
   */
  surface?: 'sidebar' | 'editor';
}

/**
 * Something of the editor the user adds to the next message ("Wegent: Add Selection to Chat" / "Add
 * File to Chat"): a file by its path relative to the workspace folder, a selection with its lines and
 * text. The webview shows it above the composer and sends it with the next message.
 */
export interface ContextItem {
  kind: 'file' | 'selection';
  /** Relative to the workspace folder (the cwd of a task on this device); absolute outside it. */
  path: string;
  /** 1-based, inclusive (selections). */
  startLine?: number;
  endLine?: number;
  text?: string;
}

/** A file a reply names, to open in the editor of the VS Code window whose device ran the task. */
export interface OpenFileRequest {
  /** As the reply wrote it: relative to the task's folder, or absolute. */
  path: string;
  /** 1-based. */
  line?: number;
  /** The conversation: its worktree (if any) is where relative paths are looked up first. */
  task_id?: string;
}

// ---- webview → host ------------------------------------------------------------------------
export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'request'; id: number; event: ChatRequestName; payload: unknown }
  | { type: 'http'; id: number; method: HttpMethod; path: string; body?: unknown }
  /** An attachment for `POST /api/attachments` (answered `httpResponse`): its bytes in base64. */
  | { type: 'upload'; id: number; name: string; media_type: string; data: string }
  /** `showApprovals`: reopen this window's own prompt for the requests its device waits on. */
  | { type: 'command'; command: 'connectDevice' | 'disconnectDevice' | 'setToken' | 'showOutput' | 'openSettings' | 'showApprovals' | 'openWalkthrough' | 'openWegent' }
  /** VS Code on the device that ran the task: open its changes in the native multi-file diff editor. */
  | { type: 'openChanges'; task_id: string }
  /** A path in a reply or tool card of this device's task: opened if it is inside the workspace, refused otherwise. */
  | ({ type: 'openFile' } & OpenFileRequest)
  /** The banner's Retry: reconnect to the backend now. */
  | { type: 'reconnect' }
  /** `@` in the composer: what of the editor could go with the next message (answered by `mentions`). */
  | { type: 'mentions'; id: number; query: string };

// ---- host → webview ------------------------------------------------------------------------
export type HostToWebview =
  | { type: 'init'; info: HostInfo }
  | { type: 'context'; item: ContextItem }
  /** The sidebar view's gear (wegent.chatSettings): show the chat's settings, or back to the chat. */
  | { type: 'toggleSettings' }
  | { type: 'connection'; status: ConnectionStatus; message?: string }
  | { type: 'response'; id: number; ack: Ack<Record<string, unknown>> }
  | { type: 'httpResponse'; id: number; reply: HttpReply }
  | { type: 'push'; event: ChatPushName; payload: unknown }
  /**
   * The answer to `mentions`: the active editor's selection first (when there is one and it matches),
   * then the open file, then workspace files whose path matches the query — at most MAX_MENTIONS.
   */
  | { type: 'mentions'; id: number; items: ContextItem[] };

/** The most candidates one `mentions` answer carries. */
export const MAX_MENTIONS = 50;
/** The longest `@` query a host looks up. */
export const MAX_MENTION_QUERY = 200;

/**
 * Only these paths may be relayed by a host on the webview's behalf. An id segment keeps to the id
 * alphabet and is never "." or "..", which URL parsing would resolve to another route.
 */
export const BRIDGE_HTTP_PATHS = [
  /^\/api\/devices(\/(?!\.\.?(?:\/|$))[A-Za-z0-9._:-]{1,128}(\/default)?)?$/,
  /^\/api\/tasks(\/(?!\.\.?$)[A-Za-z0-9._:-]{1,128})?$/,
  /^\/api\/me$/,
  /** The caller's own usage; a query only of the two days it takes. */
  /^\/api\/usage(\?from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2})?$/,
];

export function isBridgeHttpPath(path: string): boolean {
  return BRIDGE_HTTP_PATHS.some((re) => re.test(path));
}
