// The host side of the webview <-> host bridge (shared/src/bridge.ts), free of `vscode`: it holds the
// /chat Socket.IO connection with the user's token, answers the webview's `request` and `http`
// messages, and forwards server pushes. The token never crosses into the webview; only paths that
// pass `isBridgeHttpPath` are relayed, so a compromised page cannot reach token management.
import { io, type Socket } from 'socket.io-client';
import {
  CHAT_REQUEST_TIMEOUT_MS, ErrorCode, MAX_MENTIONS, MAX_MENTION_QUERY, NAMESPACE, isAuthErrorCode, isBridgeHttpPath,
  type ContextItem,
  type Ack, type ChatClientToServer, type ChatPushName, type ChatServerToClient, type ConnectionStatus,
  type HostInfo, type HostToWebview, type HttpMethod, type HttpReply, type OpenFileRequest, type WebviewToHost,
} from '@wegent/shared';
import type { Logger } from '../executor/api';
import { authError } from '../executor/authMessages';
import { disconnectedMessage, probeBackend } from './connectionWords';
import { networkDetail, unreachableMessage } from './tokenCheck';

type ChatSocket = Socket<ChatServerToClient, ChatClientToServer>;
/** `event` is only known to be one of the request names at run time, so emit is called untyped. */
type LooseEmitter = { emit(event: string, payload: unknown, ack: (err: Error | null, ack: Ack<Record<string, unknown>>) => void): void };
type HostCommand = Extract<WebviewToHost, { type: 'command' }>['command'];

/** Every server push the webview may receive (a Record so the compiler checks none is missing). */
const PUSH_EVENTS: Record<ChatPushName, true> = {
  'chat:start': true, 'chat:status': true, 'chat:chunk': true, 'chat:done': true, 'chat:permission_decided': true, 'chat:changes_decided': true,
  'device:status': true, 'auth:expired': true,
};
const REQUEST_EVENTS = new Set<string>(['chat:send', 'chat:cancel', 'chat:resume', 'chat:permission_reply', 'chat:diff', 'chat:apply']);
const HTTP_METHODS = new Set<string>(['GET', 'POST', 'PUT', 'DELETE']);
const COMMANDS = new Set<string>(['connectDevice', 'disconnectDevice', 'setToken', 'showOutput', 'openSettings', 'showApprovals', 'openWalkthrough', 'openWegent']);

const isId = (v: unknown): v is string => typeof v === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(v);

export interface ChatBridgeOptions {
  post(message: HostToWebview): void;
  backendUrl(): string;
  token(): Promise<string | undefined>;
  hostInfo(signedIn: boolean): HostInfo;
  runCommand(command: HostCommand): void;
  /** The change card's "Open Changes": this device's conversation in the native diff editor. */
  openChanges?(taskId: string): void;
  /** `@` in the composer: the selection and workspace files that match (chatContext.ts). */
  mentions?(query: string): Promise<ContextItem[]>;
  /** A path in a reply of this device's task: the host opens it if it is inside the workspace. */
  openFile?(file: OpenFileRequest): void;
  log: Logger;
}

export class ChatBridge {
  private socket: ChatSocket | undefined;
  private status: ConnectionStatus = 'disconnected';
  private statusMessage: string | undefined;
  private generation = 0;

  constructor(private readonly opts: ChatBridgeOptions) {}

  get connectionStatus(): ConnectionStatus {
    return this.status;
  }

  /** Handles one message from the webview. Malformed messages are answered or dropped, never thrown. */
  async handle(raw: unknown): Promise<void> {
    const msg = raw as WebviewToHost;
    if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') return;
    switch (msg.type) {
      case 'ready':
        return this.start();
      case 'request':
        return this.relayRequest(msg.id, msg.event, msg.payload);
      case 'http':
        return this.relayHttp(msg.id, msg.method, msg.path, msg.body);
      case 'upload':
        if (typeof msg.name !== 'string' || typeof msg.media_type !== 'string' || typeof msg.data !== 'string') return;
        return this.relayHttp(msg.id, 'POST', `/api/attachments?name=${encodeURIComponent(msg.name)}`, undefined, { type: msg.media_type, bytes: Buffer.from(msg.data, 'base64') });
      case 'command':
        if (COMMANDS.has(msg.command)) this.opts.runCommand(msg.command);
        return;
      case 'openChanges':
        if (isId(msg.task_id)) this.opts.openChanges?.(msg.task_id);
        return;
      case 'openFile': {
        const { path, line, task_id } = msg;
        if (typeof path !== 'string' || !path || path.length > 1024 || path.includes('\0')) return;
        if (line !== undefined && !(Number.isInteger(line) && line > 0 && line < 10_000_000)) return;
        if (task_id !== undefined && !isId(task_id)) return;
        this.opts.openFile?.({ path, ...(line ? { line } : {}), ...(task_id ? { task_id } : {}) });
        return;
      }
      case 'mentions': {
        if (!Number.isInteger(msg.id)) return;
        const query = typeof msg.query === 'string' ? msg.query.slice(0, MAX_MENTION_QUERY) : '';
        const items = await (this.opts.mentions?.(query) ?? Promise.resolve([])).catch((err: unknown) => {
          this.opts.log.warn('chat view: listing files for @ failed', { reason: String(err) });
          return [];
        });
        this.opts.post({ type: 'mentions', id: msg.id, items: items.slice(0, MAX_MENTIONS) });
        return;
      }
      case 'reconnect':
        // Retry now: a fresh socket, not the next attempt of the backoff (up to 10 s away).
        if (this.status === 'disconnected') return this.start();
        return;
    }
  }

  /** (Re)connects with the current token and URL and tells the webview who it talks to. */
  async start(): Promise<void> {
    const generation = ++this.generation;
    this.closeSocket();
    const token = await this.opts.token();
    if (generation !== this.generation) return; // a newer start() won the race
    this.postInit(Boolean(token));
    // No token yet (a new user, or after Sign Out): the webview greets, it does not report an error.
    if (!token) return this.setStatus('signed-out');
    this.setStatus('connecting');
    const url = this.opts.backendUrl();
    // `client` names this kind of chat in the others' cards ("Allowed by you in VS Code").
    const socket: ChatSocket = io(url + NAMESPACE.chat, { auth: { token, client: 'vscode' }, reconnectionDelayMax: 10_000 });
    this.socket = socket;
    socket.on('connect', () => this.setStatus('connected'));
    socket.on('disconnect', (reason) => {
      // The server closing us (token revoked/expired) arrives as auth:expired first; keep that status.
      if (this.status !== 'signed-out') this.setStatus('disconnected', disconnectedMessage(url, reason));
    });
    socket.on('connect_error', (err) => {
      const code = (err as Error & { data?: { code?: string } }).data?.code ?? err.message;
      if (isAuthErrorCode(code)) {
        socket.disconnect(); // retrying a refused token cannot succeed
        this.setStatus('signed-out', authError(code, undefined, 'vscode').message);
      } else {
        // socket.io says only "xhr poll error": ask the URL itself what is wrong, in words.
        void probeBackend(url).then((detail) => {
          if (this.socket === socket && !socket.connected) this.setStatus('disconnected', unreachableMessage(url, detail));
        });
      }
    });
    socket.onAny((event: string, payload: unknown) => {
      if (!(event in PUSH_EVENTS)) return;
      this.opts.post({ type: 'push', event: event as ChatPushName, payload });
      if (event === 'auth:expired') {
        const code = (payload as { code?: string })?.code ?? ErrorCode.AUTH_EXPIRED;
        this.setStatus('signed-out', authError(code, undefined, 'vscode').message);
      }
    });
  }

  /** Re-sends HostInfo (e.g. this window's device just connected) without touching the socket. */
  async announce(): Promise<void> {
    this.postInit(Boolean(await this.opts.token()));
  }

  private postInit(signedIn: boolean): void {
    this.opts.post({ type: 'init', info: this.opts.hostInfo(signedIn) });
  }

  dispose(): void {
    this.generation++;
    this.closeSocket();
  }

  private closeSocket(): void {
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = undefined;
  }

  private setStatus(status: ConnectionStatus, message?: string): void {
    if (status === this.status && message === this.statusMessage) return;
    this.status = status;
    this.statusMessage = message;
    this.opts.post({ type: 'connection', status, ...(message ? { message } : {}) });
  }

  private relayRequest(id: number, event: unknown, payload: unknown): void {
    const answer = (ack: Ack<Record<string, unknown>>) => this.opts.post({ type: 'response', id, ack });
    if (typeof event !== 'string' || !REQUEST_EVENTS.has(event)) {
      return answer({ ok: false, error: { code: ErrorCode.INVALID_PAYLOAD, message: `Unknown chat request "${String(event)}".` } });
    }
    const socket = this.socket;
    if (!socket?.connected) {
      return answer({ ok: false, error: { code: ErrorCode.UNAVAILABLE, message: this.statusMessage ?? 'Not connected to the Wegent backend yet; try again in a moment.' } });
    }
    // The payload is validated by the backend (it answers INVALID_PAYLOAD naming the field).
    const timed = socket.timeout(CHAT_REQUEST_TIMEOUT_MS) as unknown as LooseEmitter;
    timed.emit(event, payload, (err, ack) => {
      if (err) answer({ ok: false, error: { code: ErrorCode.UNAVAILABLE, message: 'The Wegent backend did not answer in time; try again.' } });
      else answer(ack);
    });
  }

  /** `upload`: raw bytes to the one upload route (the only path that takes them), not JSON. */
  private async relayHttp(id: number, method: unknown, path: unknown, body: unknown, upload?: { type: string; bytes: Buffer }): Promise<void> {
    const reply = (r: HttpReply) => this.opts.post({ type: 'httpResponse', id, reply: r });
    const refuse = (status: number, code: string, message: string) => reply({ status, body: { error: { code, message } } });
    if (typeof method !== 'string' || !HTTP_METHODS.has(method)) return refuse(400, ErrorCode.INVALID_PAYLOAD, 'Unsupported HTTP method.');
    if (typeof path !== 'string' || (!upload && !isBridgeHttpPath(path))) return refuse(403, ErrorCode.FORBIDDEN, 'The chat view may not call this path.');
    const token = await this.opts.token();
    if (!token) return refuse(401, ErrorCode.AUTH_MISSING, authError(ErrorCode.AUTH_MISSING, undefined, 'vscode').message);
    const url = this.opts.backendUrl();
    try {
      const res = await fetch(url + path, {
        method: method as HttpMethod,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(upload ? { 'content-type': upload.type } : body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: upload ? new Uint8Array(upload.bytes) : body !== undefined && method !== 'GET' ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(CHAT_REQUEST_TIMEOUT_MS),
      });
      const text = await res.text();
      let parsed: unknown = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = { error: { code: ErrorCode.INTERNAL, message: `The backend answered HTTP ${res.status} with a body that is not JSON.` } };
      }
      reply({ status: res.status, body: parsed });
    } catch (err) {
      this.opts.log.warn('chat view HTTP relay failed', { method, path, reason: networkDetail(err) });
      refuse(503, ErrorCode.UNAVAILABLE, unreachableMessage(url, networkDetail(err)));
    }
  }
}
