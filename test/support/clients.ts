// Shared test helper: protocol-level clients written only from docs/protocol.md (not from backend code).
//
//   const device = await TestDevice.connect({ url: backend.url, token: alice.token, deviceId: 'dev-1' });
//   const chat = await TestChat.connect({ url: backend.url, token: alice.token });
//   const sent = await chat.sendOk({ device_id: 'dev-1', message: 'hello' });   // the ok ack (send() returns any ack)
//   const exec = await device.waitForExecute(sent.subtask_id);                  // task:execute received (and acked)
//   await device.progress(exec.subtask_id, [{ type: 'text', text: 'hi' }]);     // seq 1, 2, ... automatic
//   await device.complete(exec.subtask_id, { result: 'hi' });                   // last_seq automatic
//   const done = await chat.waitForDone(sent.subtask_id);
//   chat.text(sent.subtask_id) === 'hi'
//
// TestDevice
//   - connects to /local-executor with { auth: { token } } over WebSocket, registers, and (unless
//     `heartbeat: false`) heartbeats every heartbeat_interval_ms from the register ack with its running ids.
//   - re-registers by itself after an automatic reconnect (like a real executor), sending running ids.
//   - task:execute handling is set by `ackMode`: 'accept' (default: ack {ok:true}, or SLOTS_FULL when
//     maxSlots tasks run), 'withhold' (record, never ack), or a function returning the ack (or null to
//     withhold). Every receipt (resends included) is in `executes`; accepted ones are in `running`.
//   - records task:cancel (`cancels`), device:replaced (`replaced`), auth:expired (`authExpired`),
//     each cancel_subtask_ids a heartbeat returned (`cancelledByHeartbeat`), disconnect reasons
//     (`disconnectReasons`), heartbeats sent (`heartbeats`) and successful registrations (`registrations`).
//   - `runningTaskIds` at connect: what a reconnecting executor reports it still runs.
//   - `emit(event, payload)` sends anything (raw; for malformed-payload tests) and resolves with the ack.
//   - `drop()` cuts the transport without a goodbye and never reconnects (a crash or network loss);
//     `close()` is a clean goodbye (offline at once when nothing runs).
// TestChat
//   - connects to /chat, records every push in `events` in arrival order; helpers `chunks(id)`,
//     `text(id)`, `doneFor(id)`, `waitForDone(id)`, `waitForEvent(name, predicate)`.
// connectSocket(url, namespace, token) resolves with a connected socket or rejects with the
//   connect_error (message = code, data = {code, message}) — for auth tests.
// api(url, method, path, { token, body }) → { status, body, headers } for the HTTP API.
import { io, type Socket } from 'socket.io-client';
import type {
  Ack, ChatChunk, ChatDone, ChatResumeOk, ChatSendOk, ChatStart, ChatStatus, DeviceStatusEvent, RegisterOk,
  TaskEvent, TaskExecute,
} from '@wegent/shared';
import { waitFor } from './wait';

export type AnyAck = { ok: true; [k: string]: unknown } | { ok: false; error: { code: string; message: string } };

export interface ConnectError extends Error {
  data?: { code: string; message: string };
}

/** Connects to a namespace; rejects with the connect_error if the server refuses. */
export function connectSocket(url: string, namespace: string, token: string | undefined, opts: { reconnection?: boolean; timeoutMs?: number; client?: string } = {}): Promise<Socket> {
  const socket = io(url + namespace, {
    auth: { ...(token === undefined ? {} : { token }), ...(opts.client ? { client: opts.client } : {}) },
    transports: ['websocket'],
    reconnection: opts.reconnection ?? true,
    reconnectionDelay: 100,
    reconnectionDelayMax: 500,
    timeout: opts.timeoutMs ?? 10_000,
    forceNew: true,
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`could not connect to ${url}${namespace} within ${opts.timeoutMs ?? 10_000} ms`));
    }, opts.timeoutMs ?? 10_000);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('connect_error');
      resolve(socket);
    });
    socket.once('connect_error', (err: ConnectError) => {
      clearTimeout(timer);
      socket.close();
      reject(err);
    });
  });
}

/** Emits with an ack and resolves with it (rejects if none within `timeoutMs`). */
export function request(socket: Socket, event: string, payload: unknown, timeoutMs = 15_000): Promise<AnyAck> {
  return socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<AnyAck>;
}

export interface TestDeviceOptions {
  url: string;
  token: string;
  deviceId?: string;
  name?: string;
  maxSlots?: number;
  mode?: 'local' | 'cloud';
  executorVersion?: string;
  /** Heartbeat on the interval from the register ack (default true). */
  heartbeat?: boolean;
  /** Register right after connecting (default true). Registration errors reject connect(). */
  register?: boolean;
  ackMode?: TestDevice['ackMode'];
  /** Subtasks this device already runs (a reconnecting executor reports them in register). */
  runningTaskIds?: string[];
}

let deviceCounter = 0;

export class TestDevice {
  readonly deviceId: string;
  readonly socket: Socket;
  /** Every task:execute received, resends included, in order. */
  readonly executes: TaskExecute[] = [];
  readonly cancels: { subtask_id: string }[] = [];
  readonly cancelledByHeartbeat: string[] = [];
  readonly authExpired: { code: string; message: string }[] = [];
  replaced: { message: string } | null = null;
  /** Subtasks accepted (acked ok) and not completed yet: what heartbeats report. */
  readonly running = new Set<string>();
  registerAck: AnyAck | null = null;
  heartbeats = 0;
  /** Socket.IO disconnect reasons seen, in order ("transport close", "io server disconnect", ...). */
  readonly disconnectReasons: string[] = [];
  /** Successful device:register acks so far (1 after connect; +1 per automatic re-register). */
  registrations = 0;
  ackMode: 'accept' | 'withhold' | ((p: TaskExecute) => Ack | null) = 'accept';
  private readonly seqs = new Map<string, number>();
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private heartbeatMs = 0;

  private constructor(socket: Socket, private readonly opts: TestDeviceOptions & { deviceId: string }) {
    this.socket = socket;
    this.deviceId = opts.deviceId;
    if (opts.ackMode) this.ackMode = opts.ackMode;
    for (const id of opts.runningTaskIds ?? []) this.running.add(id);
    socket.on('task:execute', (p: TaskExecute, ack?: (a: Ack) => void) => this.onExecute(p, ack));
    socket.on('task:cancel', (p: { subtask_id: string }) => this.cancels.push(p));
    socket.on('device:replaced', (p: { message: string }) => (this.replaced = p));
    socket.on('auth:expired', (p: { code: string; message: string }) => this.authExpired.push(p));
    socket.on('disconnect', (reason: string) => this.disconnectReasons.push(reason));
    // A real executor registers again after every reconnect, reporting what it still runs.
    socket.io.on('reconnect', () => {
      if (this.registerAck?.ok) void this.register().catch(() => {});
    });
  }

  static async connect(opts: TestDeviceOptions): Promise<TestDevice> {
    const deviceId = opts.deviceId ?? `test-device-${process.pid}-${++deviceCounter}`;
    const socket = await connectSocket(opts.url, '/local-executor', opts.token);
    const device = new TestDevice(socket, { ...opts, deviceId });
    if (opts.register !== false) {
      const ack = await device.register();
      if (!ack.ok) {
        socket.close();
        throw Object.assign(new Error(`device:register failed: ${ack.error.code} ${ack.error.message}`), { ack });
      }
    }
    return device;
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  async register(extra: Record<string, unknown> = {}): Promise<AnyAck> {
    const ack = await request(this.socket, 'device:register', {
      device_id: this.deviceId,
      name: this.opts.name ?? `Test - ${this.deviceId}`,
      max_slots: this.opts.maxSlots ?? 5,
      executor_version: this.opts.executorVersion ?? 'test-0.0.0',
      running_task_ids: [...this.running],
      ...(this.opts.mode ? { mode: this.opts.mode } : {}),
      ...extra,
    });
    this.registerAck = ack;
    if (ack.ok) {
      this.registrations++;
      const ok = ack as unknown as RegisterOk & { heartbeat_interval_ms?: number; cancel_subtask_ids?: string[] };
      this.heartbeatMs = ok.heartbeat_interval_ms ?? ok.heartbeat_interval_s * 1000;
      for (const id of ok.cancel_subtask_ids ?? []) this.running.delete(id);
      if (this.opts.heartbeat !== false) this.startHeartbeats();
    }
    return ack;
  }

  async heartbeat(): Promise<AnyAck> {
    const ack = await request(this.socket, 'device:heartbeat', { device_id: this.deviceId, running_task_ids: [...this.running] });
    this.heartbeats++;
    if (ack.ok && Array.isArray(ack.cancel_subtask_ids)) {
      for (const id of ack.cancel_subtask_ids as string[]) {
        this.cancelledByHeartbeat.push(id);
        this.running.delete(id);
      }
    }
    return ack;
  }

  startHeartbeats(intervalMs = this.heartbeatMs): void {
    this.stopHeartbeats();
    if (!intervalMs) return;
    this.heartbeatTimer = setInterval(() => {
      if (this.socket.connected) void this.heartbeat().catch(() => {});
    }, intervalMs);
  }

  stopHeartbeats(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private onExecute(p: TaskExecute, ack?: (a: Ack) => void): void {
    this.executes.push(p);
    let answer: Ack | null;
    if (typeof this.ackMode === 'function') answer = this.ackMode(p);
    else if (this.ackMode === 'withhold') answer = null;
    else if (this.running.has(p.subtask_id)) answer = { ok: true };
    else if (this.running.size >= (this.opts.maxSlots ?? 5)) answer = { ok: false, error: { code: 'SLOTS_FULL', message: 'all slots busy' } };
    else answer = { ok: true };
    if (answer?.ok) this.running.add(p.subtask_id);
    if (answer && ack) ack(answer);
  }

  /** Waits until a task:execute for `subtaskId` (or any, or the nth overall when a number) arrived. */
  waitForExecute(subtaskId?: string | number, timeout = 15_000): Promise<TaskExecute> {
    return waitFor(
      () => (typeof subtaskId === 'number' ? this.executes[subtaskId - 1] : this.executes.find((e) => subtaskId === undefined || e.subtask_id === subtaskId)),
      { timeout, message: `task:execute ${subtaskId ?? ''} never reached device ${this.deviceId}` },
    );
  }

  /** Sends task:progress with the next seq for this subtask (or `seq` when given, e.g. to resend). */
  async progress(subtaskId: string, events: TaskEvent[], seq?: number): Promise<AnyAck> {
    const next = seq ?? (this.seqs.get(subtaskId) ?? 0) + 1;
    const ack = await request(this.socket, 'task:progress', { subtask_id: subtaskId, seq: next, events });
    if (ack.ok && seq === undefined) this.seqs.set(subtaskId, next);
    return ack;
  }

  text(subtaskId: string, text: string): Promise<AnyAck> {
    return this.progress(subtaskId, [{ type: 'text', text }]);
  }

  lastSeq(subtaskId: string): number {
    return this.seqs.get(subtaskId) ?? 0;
  }

  async complete(subtaskId: string, extra: { status?: 'completed' | 'failed' | 'cancelled'; result?: string; error?: unknown; session_id?: string; last_seq?: number; changes?: unknown; usage?: unknown } = {}): Promise<AnyAck> {
    // Like a real executor, the slot is free once the task has ended, before the backend confirms:
    // the backend may hand the slot to the next task before this ack arrives.
    const wasRunning = this.running.delete(subtaskId);
    const ack = await request(this.socket, 'task:complete', {
      subtask_id: subtaskId,
      status: extra.status ?? 'completed',
      last_seq: extra.last_seq ?? this.lastSeq(subtaskId),
      ...(extra.result !== undefined ? { result: extra.result } : {}),
      ...(extra.error !== undefined ? { error: extra.error } : {}),
      ...(extra.session_id !== undefined ? { session_id: extra.session_id } : {}),
      ...(extra.changes !== undefined ? { changes: extra.changes } : {}),
      ...(extra.usage !== undefined ? { usage: extra.usage } : {}),
    });
    if (!ack.ok && wasRunning) this.running.add(subtaskId);
    return ack;
  }

  emit(event: string, payload: unknown, timeoutMs?: number): Promise<AnyAck> {
    return request(this.socket, event, payload, timeoutMs);
  }

  /** Drops the connection without a goodbye (the server sees a transport close); reconnection off. */
  drop(): void {
    this.stopHeartbeats();
    this.socket.io.reconnection(false);
    (this.socket.io as unknown as { engine?: { close(): void } }).engine?.close();
  }

  /** Clean disconnect (client namespace disconnect). */
  close(): void {
    this.stopHeartbeats();
    this.socket.close();
  }
}

export interface TestChatOptions {
  url: string;
  token: string;
  /** What kind of chat it says it is (`auth.client`: "browser" or "vscode"). */
  client?: string;
}

type SendPayload = { device_id: string; message: string; task_id?: string; permission_mode?: string; model?: string; attachments?: string[] };

export type Push = { event: string; payload: any };

export class TestChat {
  readonly events: Push[] = [];

  private constructor(readonly socket: Socket) {
    socket.onAny((event: string, payload: unknown) => this.events.push({ event, payload }));
  }

  static async connect(opts: TestChatOptions): Promise<TestChat> {
    return new TestChat(await connectSocket(opts.url, '/chat', opts.token, { client: opts.client }));
  }

  async send(p: SendPayload): Promise<AnyAck & Partial<ChatSendOk>> {
    return (await request(this.socket, 'chat:send', p)) as AnyAck & Partial<ChatSendOk>;
  }

  /** send() that throws unless the ack is ok; returns the ok ack. */
  async sendOk(p: SendPayload): Promise<ChatSendOk> {
    const ack = await this.send(p);
    if (!ack.ok) throw new Error(`chat:send failed: ${ack.error.code} ${ack.error.message}`);
    return ack as unknown as ChatSendOk;
  }

  cancel(subtaskId: string): Promise<AnyAck> {
    return request(this.socket, 'chat:cancel', { subtask_id: subtaskId });
  }

  async resume(subtaskId: string, afterSeq = 0): Promise<AnyAck & Partial<ChatResumeOk>> {
    return (await request(this.socket, 'chat:resume', { subtask_id: subtaskId, after_seq: afterSeq })) as AnyAck & Partial<ChatResumeOk>;
  }

  emit(event: string, payload: unknown, timeoutMs?: number): Promise<AnyAck> {
    return request(this.socket, event, payload, timeoutMs);
  }

  of<T = any>(event: string, predicate: (p: T) => boolean = () => true): T[] {
    return this.events.filter((e) => e.event === event && predicate(e.payload)).map((e) => e.payload as T);
  }

  starts(subtaskId?: string): ChatStart[] {
    return this.of<ChatStart>('chat:start', (p) => !subtaskId || p.subtask_id === subtaskId);
  }

  statuses(subtaskId?: string): ChatStatus[] {
    return this.of<ChatStatus>('chat:status', (p) => !subtaskId || p.subtask_id === subtaskId);
  }

  chunks(subtaskId: string): ChatChunk[] {
    return this.of<ChatChunk>('chat:chunk', (p) => p.subtask_id === subtaskId);
  }

  /** The concatenated text events streamed for a subtask, in arrival order. */
  text(subtaskId: string): string {
    return this.chunks(subtaskId).flatMap((c) => c.events).map((e) => (e.type === 'text' ? e.text : '')).join('');
  }

  doneFor(subtaskId: string): ChatDone | undefined {
    return this.of<ChatDone>('chat:done', (p) => p.subtask_id === subtaskId)[0];
  }

  deviceStatuses(deviceId?: string): DeviceStatusEvent[] {
    return this.of<DeviceStatusEvent>('device:status', (p) => !deviceId || p.device_id === deviceId);
  }

  waitForDone(subtaskId: string, timeout = 15_000): Promise<ChatDone> {
    return waitFor(() => this.doneFor(subtaskId), { timeout, message: `chat:done for ${subtaskId} never came` });
  }

  waitForEvent<T = any>(event: string, predicate: (p: T) => boolean = () => true, timeout = 15_000): Promise<T> {
    return waitFor(() => this.of<T>(event, predicate)[0], { timeout, message: `no ${event} matching the predicate` });
  }

  close(): void {
    this.socket.close();
  }
}

export interface ApiReply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** Calls the HTTP API; the body is parsed JSON when there is one. */
export async function api<T = any>(baseUrl: string, method: string, path: string, opts: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {}): Promise<ApiReply<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let payload: string | undefined = opts.rawBody;
  if (opts.body !== undefined) payload = JSON.stringify(opts.body);
  if (payload !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(baseUrl + path, { method, headers, body: payload });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, body: body as T, headers: res.headers };
}
