// The Notifier over Socket.IO: rooms `user:{id}` on /chat and `device:{id}` on /local-executor.
// Emissions go through the adapter, so they reach sockets held by any backend node.
import type { Namespace } from 'socket.io';
import type { Ack } from '@wegent/shared';
import type { ExecuteAnswer, Notifier } from '../notifier';

export const userRoom = (userId: string) => `user:${userId}`;
export const deviceRoom = (deviceId: string) => `device:${deviceId}`;

function isAck(v: unknown): v is Ack {
  return typeof v === 'object' && v !== null && typeof (v as { ok?: unknown }).ok === 'boolean';
}

export function socketNotifier(chat: Namespace, devices: Namespace): Notifier {
  return {
    toUser(userId, event, payload) {
      (chat.to(userRoom(userId)).emit as (ev: string, p: unknown) => boolean)(event, payload);
    },
    toUserHere(userId, event, payload) {
      (chat.local.to(userRoom(userId)).emit as (ev: string, p: unknown) => boolean)(event, payload);
    },
    cancelOnDevice(deviceId, payload) {
      devices.to(deviceRoom(deviceId)).emit('task:cancel', payload);
    },
    execute(deviceId, payload, timeoutMs, here) {
      if (here) return askDeviceHere(devices, deviceId, 'task:execute', payload, timeoutMs);
      return askDevice(devices, deviceId, 'task:execute', payload, timeoutMs);
    },
    permissionReply(deviceId, payload, timeoutMs) {
      return askDevice(devices, deviceId, 'task:permission_reply', payload, timeoutMs);
    },
    review(deviceId: string, event: 'task:diff' | 'task:apply', payload: unknown, timeoutMs: number) {
      return askDevice(devices, deviceId, event, payload, timeoutMs);
    },
  };
}

function notAnAck(event: string): ExecuteAnswer {
  return { kind: 'ack', ack: { ok: false, error: { code: 'EXECUTOR_ERROR', message: `The device answered ${event} with something that is not an ack object.` } } };
}

/** One emission to the device's room that wants an ack (any node's socket answers through the adapter). */
function askDevice(devices: Namespace, deviceId: string, event: 'task:execute' | 'task:permission_reply' | 'task:diff' | 'task:apply', payload: unknown, timeoutMs: number): Promise<ExecuteAnswer> {
  return new Promise<ExecuteAnswer>((resolve) => {
    devices
      .to(deviceRoom(deviceId))
      .timeout(timeoutMs)
      .emit(event, payload, (err: Error | null, responses: unknown[]) => {
        const answer = responses?.find(isAck);
        if (answer) resolve({ kind: 'ack', ack: answer });
        else if (responses?.length) resolve(notAnAck(event));
        else resolve(err ? { kind: 'timeout' } : { kind: 'nobody' });
      });
  });
}

/**
 * askDevice for this node's sockets of the device alone (no adapter): "nobody" at once when it has
 * none. Not `devices.local`, whose ack waits for every node the adapter knows of to answer.
 */
function askDeviceHere(devices: Namespace, deviceId: string, event: 'task:execute', payload: unknown, timeoutMs: number): Promise<ExecuteAnswer> {
  const ids = devices.adapter.rooms.get(deviceRoom(deviceId));
  const sockets = [...(ids ?? [])].flatMap((id) => devices.sockets.get(id) ?? []);
  if (!sockets.length) return Promise.resolve({ kind: 'nobody' });
  return new Promise<ExecuteAnswer>((resolve) => {
    let pending = sockets.length;
    for (const socket of sockets) {
      socket.timeout(timeoutMs).emit(event, payload, (err: Error | null, answer: unknown) => {
        if (!err && isAck(answer)) return resolve({ kind: 'ack', ack: answer });
        if (!err) return resolve(notAnAck(event));
        if (--pending === 0) resolve({ kind: 'timeout' });
      });
    }
  });
}
