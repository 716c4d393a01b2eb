// What the domain modules need from the realtime layer, as an interface so the flow stays one-way
// (dispatch.ts never imports Socket.IO). realtime/notifier.ts implements it over the adapter, so
// every call reaches the right sockets on whichever backend node holds them.
import type { Ack, ChatServerToClient, TaskApply, TaskCancel, TaskDiff, TaskExecute, TaskPermissionReply } from '@wegent/shared';

export type ChatPush = keyof ChatServerToClient;

/** The answer to one emission that wants an ack: the device's ack, or no answer in time / nobody there. */
export type ExecuteAnswer = { kind: 'ack'; ack: Ack } | { kind: 'timeout' } | { kind: 'nobody' };

export interface Notifier {
  /** Emits to every /chat socket of the user (all nodes). */
  toUser<E extends ChatPush>(userId: string, event: E, payload: Parameters<ChatServerToClient[E]>[0]): void;
  /** Emits to the user's /chat sockets on this node only: when no other node can hold one (realtime/peers.ts). */
  toUserHere<E extends ChatPush>(userId: string, event: E, payload: Parameters<ChatServerToClient[E]>[0]): void;
  /** Tells the device's current socket to stop a task. */
  cancelOnDevice(deviceId: string, payload: TaskCancel): void;
  /**
   * Emits task:execute to the device's socket and waits up to `timeoutMs` for its ack; `here`: to
   * this node's sockets only (no other node registered, realtime/peers.ts).
   */
  execute(deviceId: string, payload: TaskExecute, timeoutMs: number, here?: boolean): Promise<ExecuteAnswer>;
  /** Emits task:permission_reply to the device's socket and waits up to `timeoutMs` for its ack. */
  permissionReply(deviceId: string, payload: TaskPermissionReply, timeoutMs: number): Promise<ExecuteAnswer>;
  /**
   * Change review (`task:diff`, `task:apply`): asks the device and waits for its ack. The answer is
   * handed back to the chat and kept nowhere; a socket on this node answers without touching Redis.
   */
  review(deviceId: string, event: 'task:diff', payload: TaskDiff, timeoutMs: number): Promise<ExecuteAnswer>;
  review(deviceId: string, event: 'task:apply', payload: TaskApply, timeoutMs: number): Promise<ExecuteAnswer>;
}
