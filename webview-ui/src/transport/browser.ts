// The browser host: the page served by the backend signs in with a password, keeps the session
// token in sessionStorage (gone when the tab closes), talks to /chat with socket.io-client and to
// the HTTP API with fetch and a Bearer header.
import type {
  ChatClientToServer,
  ChatPushName,
  ChatServerToClient,
  HostInfo,
  HttpMethod,
  HttpReply,
  LoginResponse,
  ProtocolError,
} from '@wegent/shared';
import { CHAT_REQUEST_TIMEOUT_MS, ChatEvent, NAMESPACE, isAuthErrorCode } from '../protocol';
import { io, type Socket } from 'socket.io-client';
import { Listeners, NETWORK_ERROR, type PersistedState, type Transport } from './types';

const TOKEN_KEY = 'wegent.session';
const STATE_KEY = 'wegent.ui';

const PUSH_EVENTS: ChatPushName[] = [
  ChatEvent.start, ChatEvent.status, ChatEvent.chunk, ChatEvent.done, ChatEvent.permissionDecided, ChatEvent.changesDecided, ChatEvent.deviceStatus,
];

export class BrowserTransport implements Transport {
  readonly kind = 'browser' as const;
  private readonly listeners = new Listeners();
  private socket?: Socket<ChatServerToClient, ChatClientToServer>;

  constructor(
    private readonly baseUrl = location.origin,
    private readonly storage: Storage = sessionStorage,
  ) {}

  async start(): Promise<HostInfo> {
    if (this.token) this.connect();
    else queueMicrotask(() => this.listeners.emit({ type: 'connection', status: 'signed-out' }));
    return this.info();
  }

  async signIn(username: string, password: string): Promise<{ ok: true } | { ok: false; error: ProtocolError }> {
    const reply = await this.fetchJson<LoginResponse & { error?: ProtocolError }>('POST', '/api/auth/login', { username, password }, false);
    if (reply.status !== 200 || !reply.body?.token) return { ok: false, error: reply.body?.error ?? NETWORK_ERROR };
    this.storage.setItem(TOKEN_KEY, reply.body.token);
    this.connect();
    this.listeners.emit({ type: 'info', info: this.info() });
    return { ok: true };
  }

  /** Signs out for good: the session token is revoked on the backend, then forgotten here. */
  signOut(): void {
    const token = this.token;
    if (token) {
      // Best effort and never through fetchJson (its 401 handling would sign out again).
      void fetch(this.baseUrl + '/api/auth/logout', { method: 'POST', headers: { authorization: `Bearer ${token}` }, keepalive: true }).catch(() => {});
    }
    this.forget();
  }

  /** Forgets the session (the backend already refused its token, or it was just revoked). */
  private forget(message?: string): void {
    this.storage.removeItem(TOKEN_KEY);
    this.socket?.disconnect();
    this.socket = undefined;
    this.listeners.emit({ type: 'info', info: this.info() });
    this.listeners.emit({ type: 'connection', status: 'signed-out', message });
  }

  request: Transport['request'] = async (event, payload) => {
    const socket = this.socket;
    if (!socket?.connected) return { ok: false, error: NETWORK_ERROR } as never;
    try {
      // The typed emit cannot see through the generic event name; the bridge types pin it down.
      return (await (socket.timeout(CHAT_REQUEST_TIMEOUT_MS) as unknown as Socket).emitWithAck(event, payload)) as never;
    } catch {
      return { ok: false, error: NETWORK_ERROR } as never;
    }
  };

  http<T>(method: HttpMethod, path: string, body?: unknown): Promise<HttpReply<T>> {
    return this.fetchJson<T>(method, path, body, true);
  }

  subscribe = (l: Parameters<Transport['subscribe']>[0]) => this.listeners.add(l);

  loadState(): PersistedState | undefined {
    try {
      const raw = this.storage.getItem(STATE_KEY);
      return raw ? (JSON.parse(raw) as PersistedState) : undefined;
    } catch {
      return undefined;
    }
  }

  saveState(state: PersistedState): void {
    this.storage.setItem(STATE_KEY, JSON.stringify(state));
  }

  /** Retry now: a fresh socket instead of waiting out the reconnection backoff. */
  reconnect(): void {
    if (this.token && !this.socket?.connected) this.connect();
  }

  private get token(): string | null {
    return this.storage.getItem(TOKEN_KEY);
  }

  private info(): HostInfo {
    return { host: 'browser', locale: navigator.language, backend_url: this.baseUrl, signed_in: !!this.token };
  }

  private connect(): void {
    this.socket?.disconnect();
    this.listeners.emit({ type: 'connection', status: 'connecting' });
    const socket: Socket<ChatServerToClient, ChatClientToServer> = io(this.baseUrl + NAMESPACE.chat, {
      auth: { token: this.token, client: 'browser' },
    });
    this.socket = socket;
    socket.on('connect', () => this.listeners.emit({ type: 'connection', status: 'connected' }));
    socket.on('disconnect', (reason) => {
      if (this.socket !== socket) return;
      // The server only hangs up on purpose when the token lapsed (auth:expired came first).
      if (reason === 'io server disconnect') socket.connect();
      this.listeners.emit({ type: 'connection', status: 'disconnected', message: `Lost the connection to the Wegent backend at ${this.baseUrl}; reconnecting…` });
    });
    socket.on('connect_error', (err: Error & { data?: ProtocolError }) => {
      const code = err.data?.code ?? err.message;
      if (isAuthErrorCode(code)) this.forget(err.data?.message ?? code);
      else this.listeners.emit({ type: 'connection', status: 'disconnected', message: `Cannot reach the Wegent backend at ${this.baseUrl}: it does not answer (is it running, is the network up?). Retrying…` });
    });
    socket.on(ChatEvent.authExpired, (p) => this.forget(p?.message));
    for (const event of PUSH_EVENTS) {
      socket.on(event, (payload: unknown) => this.listeners.emit({ type: 'push', event, payload }));
    }
  }

  upload: Transport['upload'] = async (blob, name, mediaType) => {
    const headers: Record<string, string> = { accept: 'application/json', 'content-type': mediaType };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    try {
      const res = await fetch(`${this.baseUrl}/api/attachments?name=${encodeURIComponent(name)}`, { method: 'POST', headers, body: blob });
      return { status: res.status, body: await res.json().catch(() => ({ error: { code: 'INTERNAL', message: `HTTP ${res.status}` } })) };
    } catch {
      return { status: 0, body: { error: NETWORK_ERROR } };
    }
  };

  private async fetchJson<T>(method: HttpMethod, path: string, body: unknown, auth: boolean): Promise<HttpReply<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth && this.token) headers.authorization = `Bearer ${this.token}`;
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(CHAT_REQUEST_TIMEOUT_MS),
      });
    } catch {
      return { status: 0, body: { error: NETWORK_ERROR } as T };
    }
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = { error: { code: 'INTERNAL', message: text.slice(0, 200) } };
    }
    const code = (parsed as { error?: ProtocolError } | null)?.error?.code;
    if (auth && res.status === 401 && isAuthErrorCode(code)) {
      this.forget((parsed as { error: ProtocolError }).error.message);
    }
    return { status: res.status, body: parsed as T };
  }
}
