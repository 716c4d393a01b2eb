// Event names and the typed event maps both sides of each namespace import (Socket.IO generics).
// Every client→server event takes an acknowledgement: Ack<T>.
import type { ProtocolError } from './errors';
import type {
  ChatCancel, ChatChunk, ChatDone, ChatResume, ChatSend, ChatStart, ChatStatus, DeviceHeartbeat,
  DeviceRegister, DeviceStatusEvent, DeviceView, SubtaskStatus, TaskCancel, TaskComplete,
  TaskExecute, TaskProgress,
} from './protocol';

export const NAMESPACE = { devices: '/local-executor', chat: '/chat' } as const;

export const DeviceEvent = {
  register: 'device:register',
  heartbeat: 'device:heartbeat',
  progress: 'task:progress',
  complete: 'task:complete',
  execute: 'task:execute',
  cancel: 'task:cancel',
  replaced: 'device:replaced',
  authExpired: 'auth:expired',
} as const;

export const ChatEvent = {
  send: 'chat:send',
  cancel: 'chat:cancel',
  resume: 'chat:resume',
  start: 'chat:start',
  status: 'chat:status',
  chunk: 'chat:chunk',
  done: 'chat:done',
  deviceStatus: 'device:status',
  authExpired: 'auth:expired',
} as const;

export type AckOk<T extends object = object> = { ok: true } & T;
export type AckErr = { ok: false; error: ProtocolError };
export type Ack<T extends object = object> = AckOk<T> | AckErr;
export type AckFn<T extends object = object> = (answer: Ack<T>) => void;

export interface RegisterOk {
  device: DeviceView;
  heartbeat_interval_s: number;
  online_ttl_s: number;
}
export interface HeartbeatOk {
  cancel_subtask_ids?: string[];
}
export interface ChatSendOk {
  task_id: string;
  subtask_id: string;
  status: Extract<SubtaskStatus, 'running' | 'queued'>;
  queue_position?: number;
}
export interface ChatResumeOk {
  chunks: ChatChunk[];
  done?: ChatDone;
}
export interface AuthExpired {
  code: string;
  message: string;
}

/** /local-executor, executor → backend. */
export interface DeviceClientToServer {
  'device:register': (p: DeviceRegister, ack: AckFn<RegisterOk>) => void;
  'device:heartbeat': (p: DeviceHeartbeat, ack: AckFn<HeartbeatOk>) => void;
  'task:progress': (p: TaskProgress, ack: AckFn) => void;
  'task:complete': (p: TaskComplete, ack: AckFn) => void;
}

/** /local-executor, backend → executor. */
export interface DeviceServerToClient {
  'task:execute': (p: TaskExecute, ack: AckFn) => void;
  'task:cancel': (p: TaskCancel) => void;
  'device:replaced': (p: { message: string }) => void;
  'auth:expired': (p: AuthExpired) => void;
}

/** /chat, chat client → backend. */
export interface ChatClientToServer {
  'chat:send': (p: ChatSend, ack: AckFn<ChatSendOk>) => void;
  'chat:cancel': (p: ChatCancel, ack: AckFn) => void;
  'chat:resume': (p: ChatResume, ack: AckFn<ChatResumeOk>) => void;
}

/** /chat, backend → chat client (only the owning user's sockets). */
export interface ChatServerToClient {
  'chat:start': (p: ChatStart) => void;
  'chat:status': (p: ChatStatus) => void;
  'chat:chunk': (p: ChatChunk) => void;
  'chat:done': (p: ChatDone) => void;
  'device:status': (p: DeviceStatusEvent) => void;
  'auth:expired': (p: AuthExpired) => void;
}
