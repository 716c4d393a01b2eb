// device:register's store side: creates or updates the record, refreshes presence and reads what the
// registration goes on to need (the slots and queue reconcile squares, the account's default device
// for the view, the conversations to forget), all in the step that writes. A device its account
// already has goes in one round trip (store/scripts/register.ts): after a backend restart every
// device re-registers at once. A first registration claims its id (a key of its own: device ids are
// unique across users, whose devices live at different homes) and fills the cross-user indexes.
import { CLOUD_DEVICE_ID, DEFAULT_SLOTS, ErrorCode, LIMITS, MAX_SLOTS, WegentError, type DeviceRegister, type ExecutorMode, type UserView } from '@wegent/shared';
import type { RedisClient } from './store/redis';
import { keys, userHome } from './store/keys';
import { decodeDevice, encodeDevice } from './store/records';
import { touch } from './store/scripts/presence';
import { reregister, type RegisteringRecord, type Reregistered } from './store/scripts/register';

export type Registration = Reregistered;

export interface RegistrationLimits {
  onlineTtlMs: number;
  /** Registered devices one account may have (config.limits). */
  maxPerUser: number;
}

/** `holder`: the socket that registers (it holds the device's presence from now on). */
export async function registerDevice(redis: RedisClient, limits: RegistrationLimits, user: UserView, p: DeviceRegister, holder: string): Promise<Registration> {
  const mode: ExecutorMode = p.mode ?? 'local';
  if (mode === 'cloud' && user.role !== 'operator') {
    throw new WegentError(ErrorCode.FORBIDDEN, 'Only an operator account may register a cloud executor; register in local mode or use an operator token.', 403);
  }
  if (p.device_id === CLOUD_DEVICE_ID) throw new WegentError(ErrorCode.INVALID_PAYLOAD, 'Invalid field "device_id": "cloud" is reserved for the shared pool.');
  const home = userHome(user.id);
  const record: RegisteringRecord = {
    device_id: p.device_id, user_id: user.id, name: p.name, max_slots: Math.min(p.max_slots ?? DEFAULT_SLOTS, MAX_SLOTS),
    executor_version: p.executor_version ?? null, mode, last_seen_at: new Date().toISOString(),
  };
  const again = await reregister(redis, { home, userId: user.id, record, ttlMs: limits.onlineTtlMs, holder });
  if (!again) return registerFirst(redis, limits, home, record, holder);
  // The cross-user indexes already name a device registered before; only a change of mode moves it.
  if (again.before?.mode !== mode) await writeIndexes(redis, home, p.device_id, mode);
  return again;
}

async function registerFirst(redis: RedisClient, limits: RegistrationLimits, home: string, record: RegisteringRecord, holder: string): Promise<Registration> {
  const { device_id: deviceId, user_id: userId } = record;
  const key = keys.device(home, deviceId);
  // The id's owner and the account's room are read together, and what chats saw of the record (a
  // device deleted and registered again, or one that raced its own first registration).
  const claim = keys.deviceOwner(deviceId);
  const [known, count, claimed, shown] = await Promise.all([
    redis.sismember(keys.userDevices(userId), deviceId), redis.scard(keys.userDevices(userId)), redis.get(claim), redis.hgetall(key),
  ]);
  if (known !== 1 && count >= limits.maxPerUser) {
    throw new WegentError(
      ErrorCode.LIMIT_EXCEEDED,
      `Your account already has ${count} devices, the most this backend allows (WEGENT_MAX_DEVICES_PER_USER). Delete one you no longer use (Settings, or DELETE /api/devices/:id), then connect again.`,
      429,
    );
  }
  // A free id is claimed, and its owner read back in the same round trip (in order, on one connection).
  let owner = claimed;
  if (owner === null) [, owner] = await Promise.all([redis.set(claim, userId, 'NX'), redis.get(claim)]);
  if (owner !== userId) {
    throw new WegentError(ErrorCode.DEVICE_OWNED_BY_OTHER_USER, `The device id "${deviceId}" is registered to another account. Delete it there first, or use a different device id.`, 409);
  }
  // What lives at the owner's home in one MULTI, read back in it; the cross-user indexes beside it.
  const m = redis.multi().hsetnx(key, 'created_at', record.last_seen_at).hset(key, ...encodeDevice(record)).sadd(keys.userDevices(userId), deviceId);
  const [exec] = await Promise.all([m.hgetall(key).exec(), writeIndexes(redis, home, deviceId, record.mode)]);
  const results = exec ?? [];
  const [err, stored] = results[results.length - 1] ?? [new Error('no reply'), null];
  if (err) throw err;
  const [touched, slots, queued, defaultId, forget] = await Promise.all([
    touch(redis, { home, deviceId, holder, ttlMs: limits.onlineTtlMs }), redis.smembers(keys.deviceSlots(home, deviceId)), redis.llen(keys.deviceQueue(home, deviceId)),
    redis.get(keys.userDefaultDevice(userId)), redis.srandmember(keys.deviceForget(home, deviceId), LIMITS.forgetIds),
  ]);
  return { device: decodeDevice(stored as Record<string, string>)!, before: known === 1 ? decodeDevice(shown) : null, touched, slots, queued, defaultId, forget };
}

async function writeIndexes(redis: RedisClient, home: string, deviceId: string, mode: ExecutorMode): Promise<void> {
  await Promise.all([
    redis.hset(keys.allDevices, deviceId, home),
    mode === 'cloud' ? redis.hset(keys.cloudDevices, deviceId, home) : redis.hdel(keys.cloudDevices, deviceId),
  ]);
}
