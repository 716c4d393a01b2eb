// The event table of both Socket.IO namespaces: for every event, which way it travels, its payload
// schema and, when the sender waits for one, the body of a successful ack. events.ts derives the
// typed Socket.IO maps from this table, shared/scripts/schemas.ts generates the JSON Schemas from
// it, and shared/test/ checks docs/protocol.md against it — so a new event is added here once.
import type { z } from 'zod';
import {
  ChatApply, ChatCancel, ChatDiff, ChatPermissionReply, ChatResume, ChatSend, DeviceHeartbeat, DeviceRegister, TaskApply, TaskCancel,
  TaskComplete, TaskDiff, TaskExecute, TaskPermissionReply, TaskProgress,
} from './protocol';
import {
  ApplyOk, AuthExpired, ChatChangesDecided, ChatChunk, ChatDone, ChatPermissionDecided, ChatResumeOk, ChatSendOk, ChatStart, ChatStatus, DeviceReplaced,
  DeviceStatusEvent, DiffOk, EmptyOk, HeartbeatOk, ProgressOk, RegisterOk,
} from './views';

/** One event: its payload, and the ok-body of its ack when the sender asks for one. */
export interface EventSpec {
  payload: z.ZodType;
  ack?: z.ZodType;
}

export interface NamespaceSpec {
  clientToServer: Record<string, EventSpec>;
  serverToClient: Record<string, EventSpec>;
}

/** `/local-executor`: executors (VS Code, the CLI, outside executors) and the backend. */
export const DEVICE_EVENTS = {
  clientToServer: {
    'device:register': { payload: DeviceRegister, ack: RegisterOk },
    'device:heartbeat': { payload: DeviceHeartbeat, ack: HeartbeatOk },
    'task:progress': { payload: TaskProgress, ack: ProgressOk },
    'task:complete': { payload: TaskComplete, ack: EmptyOk },
  },
  serverToClient: {
    'task:execute': { payload: TaskExecute, ack: EmptyOk },
    'task:cancel': { payload: TaskCancel },
    'task:permission_reply': { payload: TaskPermissionReply, ack: EmptyOk },
    'task:diff': { payload: TaskDiff, ack: DiffOk },
    'task:apply': { payload: TaskApply, ack: ApplyOk },
    'device:replaced': { payload: DeviceReplaced },
    'auth:expired': { payload: AuthExpired },
  },
} as const satisfies NamespaceSpec;

/** `/chat`: chat pages (VS Code sidebar, browser) and the backend. */
export const CHAT_EVENTS = {
  clientToServer: {
    'chat:send': { payload: ChatSend, ack: ChatSendOk },
    'chat:cancel': { payload: ChatCancel, ack: EmptyOk },
    'chat:resume': { payload: ChatResume, ack: ChatResumeOk },
    'chat:permission_reply': { payload: ChatPermissionReply, ack: EmptyOk },
    'chat:diff': { payload: ChatDiff, ack: DiffOk },
    'chat:apply': { payload: ChatApply, ack: ApplyOk },
  },
  serverToClient: {
    'chat:start': { payload: ChatStart },
    'chat:status': { payload: ChatStatus },
    'chat:chunk': { payload: ChatChunk },
    'chat:done': { payload: ChatDone },
    'chat:permission_decided': { payload: ChatPermissionDecided },
    'chat:changes_decided': { payload: ChatChangesDecided },
    'device:status': { payload: DeviceStatusEvent },
    'auth:expired': { payload: AuthExpired },
  },
} as const satisfies NamespaceSpec;

/** Both namespaces by their Socket.IO name (the values of NAMESPACE in events.ts). */
export const CONTRACT = { '/local-executor': DEVICE_EVENTS, '/chat': CHAT_EVENTS } as const;
