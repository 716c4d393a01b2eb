// The device registry and presence. A device belongs to the account that first registered its id.
// Presence is an online key with a PX TTL refreshed by each heartbeat, plus a ZSET of deadlines
// (when each key lapses) that lets the monitor wake exactly when the next device goes offline.
import type { Redis } from 'ioredis';
import {
  CLOUD_DEVICE_ID, DEFAULT_SLOTS, ErrorCode, MAX_SLOTS, WegentError,
  type DeviceRegister, type DeviceStatus, type DeviceStatusEvent, type DeviceView, type ExecutorMode, type UserView,
} from '@wegent/shared';
import { keys } from './store/keys';
import { decodeDevice, encodeDevice, type DeviceRecord } from './store/records';
import { expireNow, heartbeat, touch, type Heartbeat } from './store/scripts/presence';

export type { DeviceRecord } from './store/records';

/** Unknown and foreign device ids get the same answer. */
export function deviceNotFound(deviceId: string): WegentError {
  return new WegentError(ErrorCode.DEVICE_NOT_FOUND, `No device "${deviceId}" in your account.`, 404);
}

export class Devices {
  constructor(
    private readonly redis: Redis,
    private readonly onlineTtlMs: number,
  ) {}

  async get(deviceId: string): Promise<DeviceRecord | null> {
    return decodeDevice(await this.redis.hgetall(keys.device(deviceId)));
  }

  /** The device if it is this user's; DEVICE_NOT_FOUND otherwise (unknown and foreign look the same). */
  async getOwned(userId: string, deviceId: string): Promise<DeviceRecord> {
    const d = await this.get(deviceId);
    if (!d || d.user_id !== userId) throw deviceNotFound(deviceId);
    return d;
  }

  /** Creates or updates the registration; the first account to register an id owns it. */
  async register(user: UserView, p: DeviceRegister): Promise<DeviceRecord> {
    const mode: ExecutorMode = p.mode ?? 'local';
    if (mode === 'cloud' && user.role !== 'operator') {
      throw new WegentError(ErrorCode.FORBIDDEN, 'Only an operator account may register a cloud executor; register in local mode or use an operator token.', 403);
    }
    if (p.device_id === CLOUD_DEVICE_ID) {
      throw new WegentError(ErrorCode.INVALID_PAYLOAD, 'Invalid field "device_id": "cloud" is reserved for the shared pool.');
    }
    const key = keys.device(p.device_id);
    // Claim the id if free and read its owner in one round trip (in order, on one connection): a
    // reconnect storm after a node dies is thousands of registrations at once.
    const [, owner] = await Promise.all([this.redis.hsetnx(key, 'user_id', user.id), this.redis.hget(key, 'user_id')]);
    if (owner !== user.id) {
      throw new WegentError(ErrorCode.DEVICE_OWNED_BY_OTHER_USER, `The device id "${p.device_id}" is registered to another account. Delete it there first, or use a different device id.`, 409);
    }
    const now = new Date().toISOString();
    const m = this.redis
      .multi()
      .hsetnx(key, 'created_at', now)
      .hset(key, ...encodeDevice({
        device_id: p.device_id,
        name: p.name,
        max_slots: Math.min(p.max_slots ?? DEFAULT_SLOTS, MAX_SLOTS),
        executor_version: p.executor_version ?? null,
        mode,
        last_seen_at: now,
      }))
      .sadd(keys.userDevices(user.id), p.device_id)
      .sadd(keys.allDevices, p.device_id);
    if (mode === 'cloud') m.sadd(keys.cloudDevices, p.device_id);
    else m.srem(keys.cloudDevices, p.device_id);
    // The record as stored, read back in the same transaction.
    const results = (await m.hgetall(key).exec()) ?? [];
    const [err, stored] = results[results.length - 1] ?? [new Error('no reply'), null];
    if (err) throw err;
    return decodeDevice(stored as Record<string, string>)!;
  }

  /**
   * Refreshes the online key, the deadline and last_seen_at in one Lua call (the heartbeat's hot
   * path); returns the deadline in ms (Redis clock) and whether the device was online before.
   */
  async touch(deviceId: string, holder: string): Promise<{ deadline: number; wasOnline: boolean }> {
    return touch(this.redis, { deviceId, holder, ttlMs: this.onlineTtlMs });
  }

  /**
   * A heartbeat from `userId`'s socket `holder`: null when the device is not (or no longer) that
   * user's; otherwise refreshed, with what reconcile needs. One round trip.
   */
  async heartbeat(deviceId: string, userId: string, holder: string): Promise<Heartbeat | null> {
    return heartbeat(this.redis, { deviceId, userId, holder, ttlMs: this.onlineTtlMs });
  }

  /** Makes the device offline now (clean shutdown with nothing running, or deletion). */
  async expireNow(deviceId: string): Promise<void> {
    await expireNow(this.redis, deviceId);
  }

  async isOnline(deviceId: string): Promise<boolean> {
    return (await this.redis.exists(keys.deviceOnline(deviceId))) === 1;
  }

  async slotsUsed(deviceId: string): Promise<number> {
    return this.redis.scard(keys.deviceSlots(deviceId));
  }

  async status(d: DeviceRecord): Promise<{ status: DeviceStatus; slots_used: number }> {
    const [online, used] = await Promise.all([this.isOnline(d.device_id), this.slotsUsed(d.device_id)]);
    const status: DeviceStatus = !online ? 'offline' : used >= d.max_slots ? 'busy' : 'online';
    return { status, slots_used: used };
  }

  /** `defaultId`: the owner's default device when the caller already read it (lists). */
  async view(d: DeviceRecord, defaultId?: string | null): Promise<DeviceView> {
    const [{ status, slots_used }, def] = await Promise.all([
      this.status(d),
      defaultId !== undefined ? defaultId : this.redis.get(keys.userDefaultDevice(d.user_id)),
    ]);
    return {
      device_id: d.device_id,
      name: d.name,
      status,
      slots_used,
      max_slots: d.max_slots,
      is_default: def === d.device_id,
      last_seen_at: d.last_seen_at,
      executor_version: d.executor_version,
      mode: d.mode,
    };
  }

  async statusEvent(d: DeviceRecord): Promise<DeviceStatusEvent> {
    const v = await this.view(d);
    return { device_id: v.device_id, name: v.name, status: v.status, slots_used: v.slots_used, max_slots: v.max_slots, is_default: v.is_default };
  }

  /** The user's devices, by id: three round trips however many (each step's reads are pipelined). */
  async list(userId: string): Promise<DeviceView[]> {
    const [ids, def] = await Promise.all([this.redis.smembers(keys.userDevices(userId)), this.redis.get(keys.userDefaultDevice(userId))]);
    const records = await Promise.all(ids.sort().map((id) => this.get(id)));
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
    const m = this.redis
      .multi()
      .del(keys.device(d.device_id), keys.deviceOnline(d.device_id), keys.deviceSlots(d.device_id), keys.deviceQueue(d.device_id))
      .zrem(keys.presenceDeadlines, d.device_id)
      .srem(keys.userDevices(d.user_id), d.device_id)
      .srem(keys.allDevices, d.device_id)
      .srem(keys.cloudDevices, d.device_id);
    await m.exec();
    if ((await this.redis.get(def)) === d.device_id) await this.redis.del(def);
  }

  /** Takes a cloud device out of the pool and makes it offline now (its owner is no longer an operator). */
  async withdrawFromPool(deviceId: string): Promise<void> {
    await this.redis.srem(keys.cloudDevices, deviceId);
    await this.expireNow(deviceId);
  }

  /**
   * The online cloud device with the most free slots (queue counts against it), or null. Two round
   * trips. The pool is the cloud devices of operators: one whose owner was demoted is never picked
   * (and leaves the pool set).
   */
  async pickCloud(): Promise<DeviceRecord | null> {
    const ids = await this.redis.smembers(keys.cloudDevices);
    const pool = await Promise.all(ids.map(async (id) => {
      const [d, online, used, queued] = await Promise.all([
        this.get(id), this.isOnline(id), this.slotsUsed(id), this.redis.llen(keys.deviceQueue(id)),
      ]);
      if (!d || d.mode !== 'cloud' || !online) return null;
      if ((await this.redis.hget(keys.user(d.user_id), 'role')) !== 'operator') {
        await this.redis.srem(keys.cloudDevices, id);
        return null;
      }
      return { d, free: d.max_slots - used - queued };
    }));
    let best: { d: DeviceRecord; free: number } | null = null;
    for (const c of pool) if (c && (!best || c.free > best.free)) best = c;
    return best?.d ?? null;
  }

  async allIds(): Promise<string[]> {
    return this.redis.smembers(keys.allDevices);
  }
}
