// Event names and the typed event maps both sides of each namespace import (Socket.IO generics).
// The maps are derived from the event table in contract.ts (imported for its types only, so this
// module stays free of zod for the chat page's bundle). Every client→server event takes an ack.
import type { z } from 'zod';
import type { ProtocolError } from './errors';
import type { CHAT_EVENTS, DEVICE_EVENTS, EventSpec } from './contract';

export const NAMESPACE = { devices: '/local-executor', chat: '/chat' } as const;

export const DeviceEvent = {
  register: 'device:register',
  heartbeat: 'device:heartbeat',
  progress: 'task:progress',
  complete: 'task:complete',
  execute: 'task:execute',
  cancel: 'task:cancel',
  permissionReply: 'task:permission_reply',
  diff: 'task:diff',
  apply: 'task:apply',
  replaced: 'device:replaced',
  authExpired: 'auth:expired',
} as const;

export const ChatEvent = {
  send: 'chat:send',
  cancel: 'chat:cancel',
  resume: 'chat:resume',
  permissionReply: 'chat:permission_reply',
  diff: 'chat:diff',
  apply: 'chat:apply',
  start: 'chat:start',
  status: 'chat:status',
  chunk: 'chat:chunk',
  done: 'chat:done',
  permissionDecided: 'chat:permission_decided',
  changesDecided: 'chat:changes_decided',
  deviceStatus: 'device:status',
  authExpired: 'auth:expired',
} as const;

export type AckOk<T extends object = object> = { ok: true } & T;
export type AckErr = { ok: false; error: ProtocolError };
export type Ack<T extends object = object> = AckOk<T> | AckErr;
export type AckFn<T extends object = object> = (answer: Ack<T>) => void;

/** Socket.IO listener signatures for one direction of a namespace's event table. */
type Listeners<T extends Record<string, EventSpec>> = {
  [E in keyof T]: T[E] extends { ack: z.ZodType }
    ? (p: z.infer<T[E]['payload']>, ack: AckFn<z.infer<T[E]['ack']> & object>) => void
    : (p: z.infer<T[E]['payload']>) => void;
};

/** /local-executor, executor → backend. */
export interface DeviceClientToServer extends Listeners<typeof DEVICE_EVENTS.clientToServer> {}
/** /local-executor, backend → executor. */
export interface DeviceServerToClient extends Listeners<typeof DEVICE_EVENTS.serverToClient> {}
/** /chat, chat client → backend. */
export interface ChatClientToServer extends Listeners<typeof CHAT_EVENTS.clientToServer> {}
/** /chat, backend → chat client (only the owning user's sockets). */
export interface ChatServerToClient extends Listeners<typeof CHAT_EVENTS.serverToClient> {}

// The short-name maps above must name exactly the events of the table (checked at compile time).
type Names<N extends { clientToServer: object; serverToClient: object }> = keyof N['clientToServer'] | keyof N['serverToClient'];
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const deviceNamesMatch: Same<(typeof DeviceEvent)[keyof typeof DeviceEvent], Names<typeof DEVICE_EVENTS>> = true;
const chatNamesMatch: Same<(typeof ChatEvent)[keyof typeof ChatEvent], Names<typeof CHAT_EVENTS>> = true;
void deviceNamesMatch;
void chatNamesMatch;
