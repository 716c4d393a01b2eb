// A registration of a device its account already has, in one round trip (lua/reregister-7.lua
// beside its deadline): after a backend restart every device does this at once, and a dozen
// commands each (the longer way, devices.ts) were most of what the backend spent on a reconnect storm.
import { LIMITS } from '@wegent/shared';
import { keys } from '../keys';
import { decodeDevice, encodeDevice, type DeviceRecord } from '../records';
import { defineScript, hash, pairs, strings, type RedisClient } from '../script';
import { deadline, type Touched } from './presence';

/** The fields a registration writes (the rest of DeviceRecord: created_at once, disconnected_at by presence). */
export type RegisteringRecord = Omit<DeviceRecord, 'created_at' | 'disconnected_at'> & { last_seen_at: string };

export interface ReregisterInput {
  home: string;
  userId: string;
  record: RegisteringRecord;
  ttlMs: number;
  /** The socket now holding the device (the online key's value). */
  holder: string;
}

/** What a registration goes on to need, read in the step that made it. */
export interface Reregistered {
  device: DeviceRecord;
  /** The record as it was before. */
  before: DeviceRecord | null;
  touched: Touched;
  slots: string[];
  queued: number;
  defaultId: string | null;
  /** Deleted conversations whose worktrees the device should remove (conversations.ts). */
  forget: string[];
}

const script = defineScript(
  'reregister-7',
  (i: ReregisterInput) => {
    const { home, record: d } = i;
    return {
      keys: [
        keys.device(home, d.device_id), keys.userDevices(i.userId), keys.deviceOnline(home, d.device_id), keys.deviceSlots(home, d.device_id),
        keys.deviceQueue(home, d.device_id), keys.userDefaultDevice(i.userId), keys.deviceForget(home, d.device_id),
      ],
      args: [d.device_id, i.ttlMs, i.holder, d.last_seen_at, LIMITS.forgetIds, ...pairs(encodeDevice(d))],
    };
  },
  (reply): Reregistered | null => {
    const r = reply as unknown[];
    if (r[0] !== 'ok') return null;
    const device = decodeDevice(hash(r[4]));
    if (!device) return null;
    return {
      device, before: decodeDevice(hash(r[3])), touched: { wasOnline: Number(r[1]) === 1, wasLost: Number(r[2]) === 1 },
      slots: strings(r[5]), queued: Number(r[6]), defaultId: typeof r[7] === 'string' ? r[7] : null, forget: strings(r[8]),
    };
  },
);

/** Null when the account has no device of this id (a first registration: devices.ts takes it). */
export async function reregister(redis: RedisClient, i: ReregisterInput): Promise<Reregistered | null> {
  const [done] = await Promise.all([script(redis, i), deadline(redis, { home: i.home, deviceId: i.record.device_id, ttlMs: i.ttlMs })]);
  return done;
}
