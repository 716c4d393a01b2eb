// Presence scripts: the touch on register, the heartbeat, making a device offline now, and the
// monitor's look at and claim on a lapsed deadline (lua/touch-2, heartbeat-5, deadline-1,
// expireNow-1, lapsed-1, claimLapse-1, releaseLapse-1). The online key lives at the device's home;
// its deadline in a presence bucket (keys.ts): the two go out in the same round trip.
import { keys, presenceMember } from '../keys';
import { decodeDevice, type DeviceRecord } from '../records';
import { LIMITS } from '@wegent/shared';
import { defineScript, hash, pairs, strings, type RedisClient } from '../script';

export interface DeviceAt {
  /** Where the device's keys live (its owner's home, keys.userHome). */
  home: string;
  deviceId: string;
}

interface PresenceInput extends DeviceAt {
  ttlMs: number;
  /** The socket now holding the device (the online key's value). */
  holder: string;
}

const touchScript = defineScript(
  'touch-2',
  (i: PresenceInput) => ({ keys: [keys.deviceOnline(i.home, i.deviceId), keys.device(i.home, i.deviceId)], args: [i.ttlMs, i.holder, new Date().toISOString()] }),
  (reply) => {
    const [was, lost] = reply as unknown[];
    return { wasOnline: Number(was) === 1, wasLost: Number(lost) === 1 };
  },
);

export const deadline = defineScript(
  'deadline-1',
  (i: DeviceAt & { ttlMs: number }) => ({ keys: [keys.presenceDeadlines(keys.presenceBucket(i.home))], args: [presenceMember(i.home, i.deviceId), i.ttlMs] }),
  (reply) => Number(reply),
);

export interface Touched {
  wasOnline: boolean;
  /** It was marked as having lost its connection (chats show it reconnecting); the touch cleared that. */
  wasLost: boolean;
}

/** The online key and the deadline, in one round trip (two slots). */
export async function touch(redis: RedisClient, i: PresenceInput): Promise<Touched> {
  const [touched] = await Promise.all([touchScript(redis, i), deadline(redis, i)]);
  return touched;
}

export interface Heartbeat {
  device: DeviceRecord;
  wasOnline: boolean;
  slots: string[];
  queued: number;
  /** Deleted conversations the device is still to forget (conversations.ts). */
  forget: string[];
}

interface HeartbeatInput extends PresenceInput {
  userId: string;
  /** Deleted conversations the device says it has forgotten (forgotten_task_ids). */
  forgotten: readonly string[];
}

const heartbeatScript = defineScript(
  'heartbeat-5',
  (i: HeartbeatInput) => ({
    keys: [
      keys.device(i.home, i.deviceId), keys.deviceOnline(i.home, i.deviceId), keys.deviceSlots(i.home, i.deviceId), keys.deviceQueue(i.home, i.deviceId),
      keys.deviceForget(i.home, i.deviceId),
    ],
    args: [i.userId, i.ttlMs, i.holder, new Date().toISOString(), LIMITS.forgetIds, ...pairs([...i.forgotten])],
  }),
  (reply): Heartbeat | null => {
    const r = reply as unknown[];
    if (r[0] !== 'ok') return null;
    const device = decodeDevice(hash(r[3]));
    return device ? { device, wasOnline: Number(r[1]) === 1, queued: Number(r[2]), slots: strings(r[4]), forget: strings(r[5]) } : null;
  },
);

/**
 * Null when the device is not (or no longer) registered to `userId`. The deadline is set in the
 * same round trip even then: a lapse of a device that is not registered fails nothing.
 */
export async function heartbeat(redis: RedisClient, i: HeartbeatInput): Promise<Heartbeat | null> {
  const [beat] = await Promise.all([heartbeatScript(redis, i), deadline(redis, i)]);
  return beat;
}

const expireDeadline = defineScript(
  'expireNow-1',
  (i: DeviceAt) => ({ keys: [keys.presenceDeadlines(keys.presenceBucket(i.home))], args: [presenceMember(i.home, i.deviceId)] }),
  () => undefined,
);

/** Offline now: the online key goes and the deadline becomes now (the monitor claims it at once). */
export async function expireNow(redis: RedisClient, i: DeviceAt): Promise<void> {
  await Promise.all([redis.del(keys.deviceOnline(i.home, i.deviceId)), expireDeadline(redis, i)]);
}

/**
 * The holding socket `holder` went away: mark the device as having lost its connection (it stays
 * online until its TTL lapses). Returns ms until then, or null when `holder` no longer held it.
 */
export const markLost = defineScript(
  'lost-2',
  (i: DeviceAt & { holder: string }) => ({ keys: [keys.deviceOnline(i.home, i.deviceId), keys.device(i.home, i.deviceId)], args: [i.holder, new Date().toISOString()] }),
  (reply) => (Number(reply) >= 0 ? Number(reply) : null),
);

/** A bucket's lapsed members, and ms until its next deadline (null: none). */
export const lapsed = defineScript(
  'lapsed-1',
  (bucket: number) => ({ keys: [keys.presenceDeadlines(bucket)], args: [] }),
  (reply) => {
    const [members, wait] = reply as [unknown, number];
    return { members: strings(members), nextInMs: Number(wait) >= 0 ? Number(wait) : null };
  },
);

/** The lease (a deadline score) when this caller claimed the lapse, else null. */
export const claimLapse = defineScript(
  'claimLapse-1',
  (i: DeviceAt & { leaseMs: number }) => ({ keys: [keys.presenceDeadlines(keys.presenceBucket(i.home))], args: [presenceMember(i.home, i.deviceId), i.leaseMs] }),
  (reply) => (Number(reply) > 0 ? Number(reply) : null),
);

/** True when the claim ended here (false: the device set a new deadline meanwhile). */
export const releaseLapse = defineScript(
  'releaseLapse-1',
  (i: DeviceAt & { lease: number }) => ({ keys: [keys.presenceDeadlines(keys.presenceBucket(i.home))], args: [presenceMember(i.home, i.deviceId), i.lease] }),
  (reply) => Number(reply) === 1,
);
