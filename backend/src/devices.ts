// The device registry and presence. A device belongs to the account that first registered its id.
// Presence is an online key with a PX TTL refreshed by each heartbeat, plus a ZSET of deadlines
// (when each key lapses) that lets the monitor wake exactly when the next device goes offline.
// A device's keys live at its owner's home (store/keys.ts): methods take that home, or a record.
import type { RedisClient } from './store/redis';
import {
  ErrorCode, WegentError, type CloudPool, type DeviceRegister, type DeviceStatus, type DeviceStatusEvent, type DeviceView, type UserView,
} from '@wegent/shared';
import { keys, presenceMember, userHome } from './store/keys';
import { decodeDevice, type DeviceRecord } from './store/records';
import { expireNow, heartbeat, markLost, type Heartbeat, type Touched } from './store/scripts/presence';
import { registerDevice, type Registration } from './registration';

export type { DeviceRecord } from './store/records';

/** Unknown and foreign device ids get the same answer. */
export function deviceNotFound(deviceId: string): WegentError {
  return new WegentError(ErrorCode.DEVICE_NOT_FOUND, `No device "${deviceId}" in your account.`, 404);
}

/** The device:status push of a view (what a chat's device list shows). */
export function statusEventOf(v: DeviceView): DeviceStatusEvent {
  return {
    device_id: v.device_id, name: v.name, status: v.status, slots_used: v.slots_used, max_slots: v.max_slots, is_default: v.is_default,
    ...(v.disconnected_at ? { disconnected_at: v.disconnected_at, offline_at: v.offline_at } : {}),
  };
}

/**
 * A device registering again as chats last saw it: online, no lost connection shown (`touched`:
 * what its touch found), the same name and slots. After a backend restart thousands do, at once.
 */
export function unchangedInChats(before: DeviceRecord | null, after: DeviceRecord, touched: Touched): boolean {
  return touched.wasOnline && !touched.wasLost && before !== null && before.name === after.name && before.max_slots === after.max_slots;
}

/** What chats see of a device: its record, its presence as status() tells it, and the account's default. */
export function viewOf(d: DeviceRecord, presence: DevicePresence, defaultId: string | null): DeviceView {
  const { status, slots_used, ...lost } = presence;
  return {
    device_id: d.device_id,
    name: d.name,
    status,
    slots_used,
    max_slots: d.max_slots,
    is_default: defaultId === d.device_id,
    last_seen_at: d.last_seen_at,
    executor_version: d.executor_version,
    mode: d.mode,
    ...lost,
  };
}

export interface DevicePresence {
  status: DeviceStatus;
  slots_used: number;
  /** When its connection was lost, and when it will be offline then (online and lost only). */
  disconnected_at?: string;
  offline_at?: string;
}

/** The presence of a device that is online: online, or busy when its slots are full. */
export function heldPresence(d: Pick<DeviceRecord, 'max_slots'>, slotsUsed: number): DevicePresence {
  return { status: slotsUsed >= d.max_slots ? 'busy' : 'online', slots_used: slotsUsed };
}

/**
 * device:status of a device online and held (its connection not lost), from what a script read
 * while changing its slots: a chat:send that took a free slot announces the new load without
 * reading the record and its presence back (send-10.lua checked both).
 */
export function heldStatusEvent(d: Pick<DeviceRecord, 'device_id' | 'name' | 'max_slots'>, slotsUsed: number, defaultId: string | null): DeviceStatusEvent {
  return { device_id: d.device_id, name: d.name, ...heldPresence(d, slotsUsed), max_slots: d.max_slots, is_default: defaultId === d.device_id };
}

export class Devices {
  constructor(
    private readonly redis: RedisClient,
    private readonly onlineTtlMs: number,
    /** Registered devices one account may have (config.limits). */
    private readonly maxPerUser = Number.POSITIVE_INFINITY,
  ) {}

  /** `home`: where the device lives (its owner's home, keys.userHome). */
  async get(home: string, deviceId: string): Promise<DeviceRecord | null> {
    return decodeDevice(await this.redis.hgetall(keys.device(home, deviceId)));
  }

  /** The device if it is this user's; DEVICE_NOT_FOUND otherwise (unknown and foreign look the same). */
  async getOwned(userId: string, deviceId: string): Promise<DeviceRecord> {
    const d = await this.get(userHome(userId), deviceId);
    if (!d || d.user_id !== userId) throw deviceNotFound(deviceId);
    return d;
  }

  /**
   * Creates or updates the registration and refreshes its presence for the socket `holder`; the
   * first account to register an id owns it. Comes with what the registration goes on to need.
   */
  async register(user: UserView, p: DeviceRegister, holder: string): Promise<Registration> {
    return registerDevice(this.redis, { onlineTtlMs: this.onlineTtlMs, maxPerUser: this.maxPerUser }, user, p, holder);
  }

  /**
   * A heartbeat from `userId`'s socket `holder`: null when the device is not (or no longer) that
   * user's; otherwise refreshed, with what reconcile needs and the conversations still to forget
   * (`forgotten`: those the device has removed). One round trip.
   */
  async heartbeat(deviceId: string, userId: string, holder: string, forgotten: readonly string[]): Promise<Heartbeat | null> {
    return heartbeat(this.redis, { home: userHome(userId), deviceId, userId, holder, ttlMs: this.onlineTtlMs, forgotten });
  }

  /** Makes the device offline now (clean shutdown with nothing running, or deletion). */
  async expireNow(home: string, deviceId: string): Promise<void> {
    await expireNow(this.redis, { home, deviceId });
  }

  /**
   * The socket `holder` that held the device went away: it stays online for its TTL (so it can
   * reclaim its tasks) marked as having lost its connection. False when another socket holds it now.
   */
  async markLost(home: string, deviceId: string, holder: string): Promise<boolean> {
    return (await markLost(this.redis, { home, deviceId, holder })) !== null;
  }

  async isOnline(home: string, deviceId: string): Promise<boolean> {
    return (await this.redis.exists(keys.deviceOnline(home, deviceId))) === 1;
  }

  async slotsUsed(home: string, deviceId: string): Promise<number> {
    return this.redis.scard(keys.deviceSlots(home, deviceId));
  }

  /** The subtasks holding the device's slots. */
  async slotIds(home: string, deviceId: string): Promise<string[]> {
    return this.redis.smembers(keys.deviceSlots(home, deviceId));
  }

  /** The subtasks waiting for a slot, head first. */
  async queueIds(home: string, deviceId: string): Promise<string[]> {
    return this.redis.lrange(keys.deviceQueue(home, deviceId), 0, -1);
  }

  async holdsSlot(home: string, deviceId: string, subtaskId: string): Promise<boolean> {
    return (await this.redis.sismember(keys.deviceSlots(home, deviceId), subtaskId)) === 1;
  }

  /** After a queue push: the device may have a queue now (for the queued-subtasks metric). */
  async markQueued(home: string, deviceId: string): Promise<void> {
    await this.redis.hset(keys.queuedDevices, deviceId, home);
  }

  async status(d: DeviceRecord): Promise<DevicePresence> {
    const home = userHome(d.user_id);
    // PTTL in place of EXISTS: the same round trip also says when a lost device will be offline.
    const [ttlMs, used] = await Promise.all([this.redis.pttl(keys.deviceOnline(home, d.device_id)), this.slotsUsed(home, d.device_id)]);
    if (ttlMs === -2) return { status: 'offline', slots_used: used };
    const held = heldPresence(d, used);
    if (!d.disconnected_at) return held;
    return { ...held, disconnected_at: d.disconnected_at, offline_at: new Date(Date.now() + Math.max(0, ttlMs)).toISOString() };
  }

  /** `defaultId`: the owner's default device when the caller already read it (lists). */
  async view(d: DeviceRecord, defaultId?: string | null): Promise<DeviceView> {
    const [presence, def] = await Promise.all([
      this.status(d),
      defaultId !== undefined ? defaultId : this.redis.get(keys.userDefaultDevice(d.user_id)),
    ]);
    return viewOf(d, presence, def);
  }

  async statusEvent(d: DeviceRecord): Promise<DeviceStatusEvent> {
    return statusEventOf(await this.view(d));
  }

  /** The user's devices, by id: three round trips however many (each step's reads are pipelined). */
  async list(userId: string): Promise<DeviceView[]> {
    const [ids, def] = await Promise.all([this.redis.smembers(keys.userDevices(userId)), this.redis.get(keys.userDefaultDevice(userId))]);
    const records = await Promise.all(ids.sort().map((id) => this.get(userHome(userId), id)));
    const mine = records.filter((d): d is DeviceRecord => d !== null && d.user_id === userId);
    return Promise.all(mine.map((d) => this.view(d, def)));
  }

  async setDefault(userId: string, deviceId: string): Promise<void> {
    await this.getOwned(userId, deviceId);
    await this.redis.set(keys.userDefaultDevice(userId), deviceId);
  }

  async unsetDefault(userId: string, deviceId: string): Promise<void> {
    await this.getOwned(userId, deviceId);
    const key = keys.userDefaultDevice(userId);
    if ((await this.redis.get(key)) === deviceId) await this.redis.del(key);
  }

  /** Removes the registration (the caller has failed its subtasks first). */
  async remove(d: DeviceRecord): Promise<void> {
    const def = keys.userDefaultDevice(d.user_id);
    const home = userHome(d.user_id);
    // What lives at the owner's home in one MULTI; the cross-user keys beside it, the id's claim last.
    await Promise.all([
      this.redis
        .multi()
        .del(keys.device(home, d.device_id), keys.deviceOnline(home, d.device_id), keys.deviceSlots(home, d.device_id), keys.deviceQueue(home, d.device_id))
        .srem(keys.userDevices(d.user_id), d.device_id)
        .exec(),
      this.redis.zrem(keys.presenceDeadlines(keys.presenceBucket(home)), presenceMember(home, d.device_id)),
      this.redis.hdel(keys.allDevices, d.device_id),
      this.redis.hdel(keys.cloudDevices, d.device_id),
      this.redis.hdel(keys.queuedDevices, d.device_id),
    ]);
    if ((await this.redis.get(keys.deviceOwner(d.device_id))) === d.user_id) await this.redis.del(keys.deviceOwner(d.device_id));
    if ((await this.redis.get(def)) === d.device_id) await this.redis.del(def);
  }

  /** Takes a cloud device out of the pool and makes it offline now (its owner is no longer an operator). */
  async withdrawFromPool(home: string, deviceId: string): Promise<void> {
    await this.redis.hdel(keys.cloudDevices, deviceId);
    await this.expireNow(home, deviceId);
  }

  /**
   * The pool's online cloud devices (of operators) with their free slots (queue counts against
   * them). One whose owner was demoted is never counted and leaves the pool set. Two round trips.
   */
  private async poolMembers(): Promise<{ d: DeviceRecord; free: number }[]> {
    const members = Object.entries(await this.redis.hgetall(keys.cloudDevices));
    const pool = await Promise.all(members.map(async ([id, home]) => {
      const [d, online, used, queued] = await Promise.all([
        this.get(home, id), this.isOnline(home, id), this.slotsUsed(home, id), this.redis.llen(keys.deviceQueue(home, id)),
      ]);
      if (!d || d.mode !== 'cloud' || !online || d.disconnected_at) return null;
      if ((await this.redis.hget(keys.user(d.user_id), 'role')) !== 'operator') {
        await this.redis.hdel(keys.cloudDevices, id);
        return null;
      }
      return { d, free: d.max_slots - used - queued };
    }));
    return pool.filter((c): c is { d: DeviceRecord; free: number } => c !== null);
  }

  /** The online cloud device with the most free slots, or null. */
  async pickCloud(): Promise<DeviceRecord | null> {
    let best: { d: DeviceRecord; free: number } | null = null;
    for (const c of await this.poolMembers()) if (!best || c.free > best.free) best = c;
    return best?.d ?? null;
  }

  /** What a chat may know of the shared pool: whether it can take a message (never which devices). */
  async cloudPool(): Promise<CloudPool> {
    const executors = (await this.poolMembers()).length;
    return { available: executors > 0, executors };
  }

  /** Every registered device, where it lives (wegent-admin list-devices). */
  async all(): Promise<{ home: string; deviceId: string }[]> {
    return Object.entries(await this.redis.hgetall(keys.allDevices)).map(([deviceId, home]) => ({ home, deviceId }));
  }
}
