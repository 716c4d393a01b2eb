// The device registry and presence. A device belongs to the account that first registered its id.
// Presence is an online key with a PX TTL refreshed by each heartbeat, plus a ZSET of deadlines
// (when each key lapses) that lets the monitor wake exactly when the next device goes offline.
import type { Redis } from 'ioredis';
import {
  CLOUD_DEVICE_ID, DEFAULT_SLOTS, ErrorCode, MAX_SLOTS, WegentError,
  type DeviceRegister, type DeviceStatus, type DeviceStatusEvent, type DeviceView, type ExecutorMode, type UserView,
} from '@wegent/shared';
import { keys } from './store/keys';
import type { Scripts } from './store/scripts';

export interface DeviceRecord {
  device_id: string;
  user_id: string;
  name: string;
  max_slots: number;
  executor_version: string | null;
  mode: ExecutorMode;
  created_at: string;
  last_seen_at: string | null;
}

function toRecord(h: Record<string, string>): DeviceRecord | null {
  if (!h.device_id || !h.user_id || !h.name) return null;
  return {
    device_id: h.device_id,
    user_id: h.user_id,
    name: h.name,
    max_slots: Number(h.max_slots) || DEFAULT_SLOTS,
    executor_version: h.executor_version || null,
    mode: h.mode === 'cloud' ? 'cloud' : 'local',
    created_at: h.created_at,
    last_seen_at: h.last_seen_at || null,
  };
}

/** Unknown and foreign device ids get the same answer. */
export function deviceNotFound(deviceId: string): WegentError {
  return new WegentError(ErrorCode.DEVICE_NOT_FOUND, `No device "${deviceId}" in your account.`, 404);
}

export class Devices {
  constructor(
    private readonly redis: Redis,
    private readonly scripts: Scripts,
    private readonly onlineTtlMs: number,
  ) {}

  async get(deviceId: string): Promise<DeviceRecord | null> {
    return toRecord(await this.redis.hgetall(keys.device(deviceId)));
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
      .hset(key, {
        device_id: p.device_id,
        name: p.name,
        max_slots: String(Math.min(p.max_slots ?? DEFAULT_SLOTS, MAX_SLOTS)),
        executor_version: p.executor_version ?? '',
        mode,
        last_seen_at: now,
      })
      .sadd(keys.userDevices(user.id), p.device_id)
      .sadd(keys.allDevices, p.device_id);
    if (mode === 'cloud') m.sadd(keys.cloudDevices, p.device_id);
    else m.srem(keys.cloudDevices, p.device_id);
    // The record as stored, read back in the same transaction.
    const results = (await m.hgetall(key).exec()) ?? [];
    const [err, stored] = results[results.length - 1] ?? [new Error('no reply'), null];
    if (err) throw err;
    return toRecord(stored as Record<string, string>)!;
  }

  /**
   * Refreshes the online key, the deadline and last_seen_at in one Lua call (the heartbeat's hot
   * path); returns the deadline in ms (Redis clock) and whether the device was online before.
   */
  async touch(deviceId: string, holder: string): Promise<{ deadline: number; wasOnline: boolean }> {
    const [deadline, was] = await this.scripts.run<[number, number]>(
      'touch',
      [keys.deviceOnline(deviceId), keys.presenceDeadlines, keys.device(deviceId)],
      [deviceId, this.onlineTtlMs, holder, new Date().toISOString()],
    );
    return { deadline: Number(deadline), wasOnline: Number(was) === 1 };
  }

  /**
   * A heartbeat from `userId`'s socket `holder`: null when the device is not (or no longer) that
   * user's; otherwise refreshed, with what reconcile needs. One round trip.
   */
  async heartbeat(deviceId: string, userId: string, holder: string): Promise<{ device: DeviceRecord; wasOnline: boolean; slots: string[]; queued: number } | null> {
    const r = await this.scripts.run<['ok', number, number, string[], string[]] | ['notregistered']>(
      'heartbeat',
      [keys.device(deviceId), keys.deviceOnline(deviceId), keys.presenceDeadlines, keys.deviceSlots(deviceId), keys.deviceQueue(deviceId)],
      [deviceId, userId, this.onlineTtlMs, holder, new Date().toISOString()],
    );
    if (r[0] !== 'ok') return null;
    const [, was, queued, flat, slots] = r;
    const h: Record<string, string> = {};
    for (let i = 0; i < flat.length; i += 2) h[flat[i]] = flat[i + 1];
    const device = toRecord(h);
    return device ? { device, wasOnline: Number(was) === 1, slots: slots.map(String), queued: Number(queued) } : null;
  }

  /** Makes the device offline now (clean shutdown with nothing running, or deletion). */
  async expireNow(deviceId: string): Promise<void> {
    await this.scripts.run('expireNow', [keys.deviceOnline(deviceId), keys.presenceDeadlines], [deviceId]);
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

  async view(d: DeviceRecord): Promise<DeviceView> {
    const [{ status, slots_used }, def] = await Promise.all([this.status(d), this.redis.get(keys.userDefaultDevice(d.user_id))]);
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

  async list(userId: string): Promise<DeviceView[]> {
    const ids = (await this.redis.smembers(keys.userDevices(userId))).sort();
    const views: DeviceView[] = [];
    for (const id of ids) {
      const d = await this.get(id);
      if (d && d.user_id === userId) views.push(await this.view(d));
    }
    return views;
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

  /** The online cloud device with the most free slots (queue counts against it), or null. */
  async pickCloud(): Promise<DeviceRecord | null> {
    const ids = await this.redis.smembers(keys.cloudDevices);
    let best: { d: DeviceRecord; free: number } | null = null;
    for (const id of ids) {
      const d = await this.get(id);
      if (!d || d.mode !== 'cloud' || !(await this.isOnline(id))) continue;
      const [used, queued] = await Promise.all([this.slotsUsed(id), this.redis.llen(keys.deviceQueue(id))]);
      const free = d.max_slots - used - queued;
      if (!best || free > best.free) best = { d, free };
    }
    return best?.d ?? null;
  }

  async allIds(): Promise<string[]> {
    return this.redis.smembers(keys.allDevices);
  }
}
