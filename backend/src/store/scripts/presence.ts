// Presence scripts: the touch on register, the heartbeat, making a device offline now, and the
// monitor's claim on a lapsed deadline (lua/touch-3, heartbeat-5, expireNow-2, claimLapse-2,
// releaseLapse-1, redisNow-0).
import { keys } from '../keys';
import { decodeDevice, type DeviceRecord } from '../records';
import { defineScript, hash, strings } from '../script';

interface PresenceInput {
  deviceId: string;
  ttlMs: number;
  /** The socket now holding the device (the online key's value). */
  holder: string;
}

export const touch = defineScript(
  'touch-3',
  (i: PresenceInput) => ({
    keys: [keys.deviceOnline(i.deviceId), keys.presenceDeadlines, keys.device(i.deviceId)],
    args: [i.deviceId, i.ttlMs, i.holder, new Date().toISOString()],
  }),
  (reply) => {
    const [deadline, was] = reply as [number, number];
    return { deadline: Number(deadline), wasOnline: Number(was) === 1 };
  },
);

export interface Heartbeat {
  device: DeviceRecord;
  wasOnline: boolean;
  slots: string[];
  queued: number;
}

/** Null when the device is not (or no longer) registered to `userId`. */
export const heartbeat = defineScript(
  'heartbeat-5',
  (i: PresenceInput & { userId: string }) => ({
    keys: [keys.device(i.deviceId), keys.deviceOnline(i.deviceId), keys.presenceDeadlines, keys.deviceSlots(i.deviceId), keys.deviceQueue(i.deviceId)],
    args: [i.deviceId, i.userId, i.ttlMs, i.holder, new Date().toISOString()],
  }),
  (reply): Heartbeat | null => {
    const r = reply as unknown[];
    if (r[0] !== 'ok') return null;
    const device = decodeDevice(hash(r[3]));
    return device ? { device, wasOnline: Number(r[1]) === 1, queued: Number(r[2]), slots: strings(r[4]) } : null;
  },
);

export const expireNow = defineScript(
  'expireNow-2',
  (deviceId: string) => ({ keys: [keys.deviceOnline(deviceId), keys.presenceDeadlines], args: [deviceId] }),
  () => undefined,
);

/** The lease (a deadline score) when this caller claimed the lapse, else null. */
export const claimLapse = defineScript(
  'claimLapse-2',
  (i: { deviceId: string; leaseMs: number }) => ({ keys: [keys.deviceOnline(i.deviceId), keys.presenceDeadlines], args: [i.deviceId, i.leaseMs] }),
  (reply) => (Number(reply) > 0 ? Number(reply) : null),
);

/** True when the claim ended here (false: the device set a new deadline meanwhile). */
export const releaseLapse = defineScript(
  'releaseLapse-1',
  (i: { deviceId: string; lease: number }) => ({ keys: [keys.presenceDeadlines], args: [i.deviceId, i.lease] }),
  (reply) => Number(reply) === 1,
);

export const redisNow = defineScript('redisNow-0', () => ({ keys: [], args: [] }), (reply) => Number(reply));
