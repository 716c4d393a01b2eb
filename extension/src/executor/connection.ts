// The device's Socket.IO connection to /local-executor: token auth, `device:register` (again after
// every reconnect, reporting the tasks still running), heartbeats every `heartbeat_interval_s`
// carrying running subtask ids, reconnect with backoff and jitter (socket.io-client's Manager), and
// the ends that must NOT be retried: a refused token (connect_error AUTH_*, `auth:expired`),
// `device:replaced`, or a registration the backend refuses for good.
import { EventEmitter } from 'node:events';
import { io, type Socket } from 'socket.io-client';
import {
  DeviceEvent, ErrorCode, LIMITS, NAMESPACE, isAuthErrorCode, type Ack, type AckFn, type DeviceClientToServer, type DeviceRegister,
  type DeviceServerToClient, type HeartbeatOk, type ProtocolError, type RegisterOk,
} from '@wegent/shared';
import type { Logger } from './api';
import { authError, registerError, replacedError, unreachableError } from './authMessages';
import type { Shell } from './shellWords';

export type ConnectionState = 'connecting' | 'online' | 'offline' | 'error' | 'stopped';

export interface ConnectionOptions {
  backendUrl: string;
  token: string;
  deviceId: string;
  logger: Logger;
  /** Built fresh for every (re-)registration, so it reports what runs right now. */
  registerPayload: () => DeviceRegister;
  runningIds: () => string[];
  onExecute: (payload: unknown, ack: AckFn) => void;
  onCancel: (subtaskId: string) => void;
  onPermissionReply: (payload: unknown, ack: AckFn) => void;
  /** `task:diff` and `task:apply` (change review): answered by the worktree manager. */
  onDiff: (payload: unknown, ack: AckFn) => void;
  onApply: (payload: unknown, ack: AckFn) => void;
  /** Conversations deleted on the backend (`forget_task_ids`): resolves with those cleaned up, confirmed in the next heartbeat. */
  onForget?: (taskIds: string[]) => Promise<string[]>;
  ackTimeoutMs?: number;
  /** First reconnect delay; grows to reconnectDelayMaxMs with ±50 % jitter. */
  reconnectDelayMs?: number;
  reconnectDelayMaxMs?: number;
  /** Whose words the refusal messages use (default the CLI's). */
  shell?: Shell;
}

type DeviceSocket = Socket<DeviceServerToClient, DeviceClientToServer>;

/** Register refusals that another attempt cannot fix. */
const FATAL_REGISTER = new Set<string>([ErrorCode.DEVICE_OWNED_BY_OTHER_USER, ErrorCode.FORBIDDEN, ErrorCode.INVALID_PAYLOAD]);

/** With ±50 % jitter the longest wait after the network returns is 15 s. */
export const DEFAULT_RECONNECT_DELAY_MAX_MS = 10_000;

export class DeviceConnection extends EventEmitter<{ state: [ConnectionState]; registered: [RegisterOk] }> {
  state: ConnectionState = 'offline';
  /** The last problem; kept while reconnecting so a UI can say why it is offline. */
  lastError?: ProtocolError;
  private socket?: DeviceSocket;
  private heartbeat?: NodeJS.Timeout;
  private registerRetry?: NodeJS.Timeout;
  private registered = false;
  private wasOnline = false;
  private heartbeatInFlight = false;
  /** Deleted conversations cleaned up here, not yet confirmed to the backend (`forgotten_task_ids`). */
  private readonly forgotten = new Set<string>();
  private forgetting?: Promise<void>;
  private readonly ackTimeoutMs: number;

  constructor(private readonly o: ConnectionOptions) {
    super();
    this.ackTimeoutMs = o.ackTimeoutMs ?? 10_000;
  }

  get isRegistered(): boolean {
    return this.registered;
  }

  start(): void {
    if (this.socket) return;
    const socket: DeviceSocket = io(this.o.backendUrl.replace(/\/+$/, '') + NAMESPACE.devices, {
      auth: { token: this.o.token },
      // WebSocket straight away, long-polling only if that fails (a proxy that blocks upgrades): one
      // request per connect instead of a polling handshake, poll and upgrade (a reconnect storm is
      // thousands at once), and any balancer works without sticky sessions (docs/deployment.md).
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
      reconnectionDelay: this.o.reconnectDelayMs ?? 1000,
      // Capped well below the online TTL minus a heartbeat (90 s - 30 s by default): after a blip the
      // device must be back before the backend fails its running tasks as DEVICE_OFFLINE.
      reconnectionDelayMax: this.o.reconnectDelayMaxMs ?? DEFAULT_RECONNECT_DELAY_MAX_MS,
      randomizationFactor: 0.5,
    });
    this.socket = socket;
    this.setState('connecting');
    socket.on('connect', () => void this.register());
    socket.on('connect_error', (err: Error & { data?: { code?: string; message?: string } }) => {
      const code = err.data?.code ?? err.message;
      if (isAuthErrorCode(code)) return this.fail(authError(code, err.data?.message, this.o.shell));
      const error = unreachableError(this.o.backendUrl, err.message, this.o.shell);
      // Say it once per distinct problem, not on every retry.
      if (error.message !== this.lastError?.message) this.o.logger.warn(error.message);
      else this.o.logger.debug('Still cannot reach the backend', { reason: err.message });
      this.lastError = error;
      // 'connecting' until the first registration; afterwards a lost connection reads 'offline'.
      this.setState(this.wasOnline ? 'offline' : 'connecting', true);
    });
    socket.on('disconnect', (reason) => {
      this.onOffline();
      if (this.state === 'error' || this.state === 'stopped') return;
      this.o.logger.warn('Disconnected from the backend; reconnecting', { reason });
      // The server closed us without saying why (e.g. it shut down): socket.io does not retry that itself.
      if (reason === 'io server disconnect') setTimeout(() => this.state !== 'error' && this.state !== 'stopped' && !socket.connected && socket.connect(), this.o.reconnectDelayMs ?? 1000);
    });
    socket.on(DeviceEvent.execute, (payload, ack) => this.o.onExecute(payload, typeof ack === 'function' ? ack : () => {}));
    socket.on(DeviceEvent.cancel, (payload) => {
      if (payload && typeof payload.subtask_id === 'string') this.o.onCancel(payload.subtask_id);
    });
    socket.on(DeviceEvent.permissionReply, (payload, ack) => this.o.onPermissionReply(payload, typeof ack === 'function' ? ack : () => {}));
    socket.on(DeviceEvent.diff, (payload, ack) => this.o.onDiff(payload, typeof ack === 'function' ? (ack as AckFn) : () => {}));
    socket.on(DeviceEvent.apply, (payload, ack) => this.o.onApply(payload, typeof ack === 'function' ? (ack as AckFn) : () => {}));
    socket.on(DeviceEvent.replaced, () => this.fail(replacedError(this.o.deviceId, this.o.shell)));
    socket.on(DeviceEvent.authExpired, (p) => this.fail(authError(p?.code ?? ErrorCode.AUTH_EXPIRED, p?.message, this.o.shell)));
  }

  /** Sends one client→server event and resolves with its ack, or undefined (not registered, timeout, disconnect). */
  async request<E extends keyof DeviceClientToServer>(event: E, payload: Parameters<DeviceClientToServer[E]>[0]): Promise<Ack | undefined> {
    if (!this.registered || !this.socket?.connected) return undefined;
    return this.emit_(event, payload);
  }

  /** Closes the socket for good. */
  stop(): void {
    if (this.state !== 'error') this.setState('stopped');
    this.onOffline();
    this.socket?.disconnect();
    this.socket?.removeAllListeners();
  }

  /**
   * One heartbeat at a time: the backend counts a running task missing from two heartbeats as
   * orphaned, so a second heartbeat built before a just-accepted task must never be in flight.
   */
  async heartbeatNow(): Promise<void> {
    if (!this.registered || this.heartbeatInFlight) return;
    this.heartbeatInFlight = true;
    try {
      await this.sendHeartbeat();
    } finally {
      this.heartbeatInFlight = false;
    }
  }

  private async sendHeartbeat(): Promise<void> {
    const confirming = [...this.forgotten].slice(0, LIMITS.forgetIds);
    const ack = (await this.emit_(DeviceEvent.heartbeat, {
      device_id: this.o.deviceId, running_task_ids: this.o.runningIds(), ...(confirming.length ? { forgotten_task_ids: confirming } : {}),
    })) as Ack<HeartbeatOk> | undefined;
    if (!ack) return;
    if (ack.ok) {
      for (const id of confirming) this.forgotten.delete(id);
      for (const id of ack.cancel_subtask_ids ?? []) this.o.onCancel(id);
      this.forget(ack.forget_task_ids);
    } else if (ack.error.code === ErrorCode.DEVICE_NOT_REGISTERED) void this.register();
  }

  /** Cleans up deleted conversations, one batch at a time; each is confirmed in the heartbeat after it is done. */
  private forget(ids: string[] | undefined): void {
    const fresh = (ids ?? []).filter((id) => !this.forgotten.has(id));
    if (!fresh.length || !this.o.onForget || this.forgetting) return;
    this.forgetting = this.o.onForget(fresh)
      .then((done) => done.forEach((id) => this.forgotten.add(id)), (err: Error) => this.o.logger.warn('Could not clean up deleted conversations', { reason: err.message }))
      .finally(() => (this.forgetting = undefined));
  }

  private async emit_(event: keyof DeviceClientToServer, payload: unknown): Promise<Ack | undefined> {
    try {
      return (await (this.socket as Socket).timeout(this.ackTimeoutMs).emitWithAck(event, payload)) as Ack;
    } catch {
      return undefined;
    }
  }

  private async register(): Promise<void> {
    clearTimeout(this.registerRetry);
    this.registered = false;
    const ack = (await this.emit_(DeviceEvent.register, this.o.registerPayload())) as Ack<RegisterOk> | undefined;
    if (!this.socket?.connected || this.state === 'error' || this.state === 'stopped') return;
    if (ack?.ok) {
      this.registered = true;
      this.wasOnline = true;
      this.lastError = undefined;
      this.startHeartbeat(ack.heartbeat_interval_s);
      this.setState('online');
      this.emit('registered', ack);
      // Tasks this device still runs that the backend no longer wants (cancelled or failed meanwhile).
      for (const id of (ack as { cancel_subtask_ids?: string[] }).cancel_subtask_ids ?? []) this.o.onCancel(id);
      this.forget(ack.forget_task_ids);
      return;
    }
    if (ack && FATAL_REGISTER.has(ack.error.code)) return this.fail(registerError(ack.error, this.o.deviceId));
    this.lastError = ack?.error ?? { code: ErrorCode.UNAVAILABLE, message: 'The backend did not answer device:register; retrying.' };
    this.o.logger.warn('Registration failed; retrying', { code: this.lastError.code, reason: this.lastError.message });
    this.registerRetry = setTimeout(() => void this.register(), this.o.reconnectDelayMs ?? 1000);
  }

  private startHeartbeat(intervalS: number): void {
    clearInterval(this.heartbeat);
    const ms = Math.max(50, Math.round((Number(intervalS) || 30) * 1000));
    this.heartbeat = setInterval(() => void this.heartbeatNow(), ms);
  }

  private onOffline(): void {
    clearInterval(this.heartbeat);
    clearTimeout(this.registerRetry);
    this.registered = false;
    if (this.state === 'online') this.setState('offline');
  }

  private fail(error: ProtocolError): void {
    if (this.state === 'error') return;
    this.lastError = error;
    this.o.logger.error(error.message, { code: error.code });
    this.onOffline();
    this.setState('error');
    this.socket?.disconnect(); // and no reconnect: a dead token or a taken-over id will not heal by retrying
  }

  /** `force` re-announces the same state, e.g. 'connecting' with a new lastError. */
  private setState(state: ConnectionState, force = false): void {
    if (this.state === state && !force) return;
    this.state = state;
    this.emit('state', state);
  }
}
