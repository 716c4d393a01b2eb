// Lua scripts for every step where atomicity matters: slot accounting, the FIFO queue, applying a
// progress seq once, finishing a subtask once, and claiming a lapsed presence deadline on exactly
// one backend node. Keys built inside scripts (for subtasks moved by `pump`) assume a single Redis
// node, not Redis Cluster.
import type { Redis } from 'ioredis';
import { KEY_PREFIX } from './keys';
import { FINAL, PUMP, TOUCH, nowMs } from './luaParts';
import { send } from './sendScript';

/** KEYS: subtask, slots, queue. ARGV: id, expected_device ('' = any), status, now_iso, result,
 *  error_json, session_id, usage_json, max_slots (0 = do not pump), prefix, required_last_seq (-1 = any)
 *  → {'notfound'} | {'already'} | {'gap', last_seq} | {'done', promoted ids...} */
const finish = `
${FINAL}
local ARGV_PREFIX = ARGV[10]
${PUMP}
local sub, slots, queue = KEYS[1], KEYS[2], KEYS[3]
local id, expected, status, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if redis.call('EXISTS', sub) == 0 then return {'notfound'} end
local h = redis.call('HMGET', sub, 'status', 'device_id', 'last_seq')
if expected ~= '' and h[2] ~= expected then return {'notfound'} end
if FINAL[h[1]] then return {'already'} end
local required = tonumber(ARGV[11])
if required >= 0 and required > tonumber(h[3] or '0') then return {'gap', tonumber(h[3] or '0')} end
redis.call('HSET', sub, 'status', status, 'completed_at', now, 'in_slot', '0')
if ARGV[5] ~= '' then redis.call('HSET', sub, 'result', ARGV[5]) end
if ARGV[6] ~= '' then redis.call('HSET', sub, 'error', ARGV[6]) end
if ARGV[7] ~= '' then redis.call('HSET', sub, 'session_id', ARGV[7]) end
if ARGV[8] ~= '' then redis.call('HSET', sub, 'usage', ARGV[8]) end
redis.call('SREM', slots, id)
redis.call('LREM', queue, 0, id)
local out = {'done'}
local max = tonumber(ARGV[9])
if max > 0 then
  for _, p in ipairs(pump(slots, queue, max)) do table.insert(out, p) end
end
return out`;

/** KEYS: slots, queue. ARGV: max_slots, prefix → promoted ids (used when a slot may have freed). */
const pumpOnly = `
${FINAL}
local ARGV_PREFIX = ARGV[2]
${PUMP}
return pump(KEYS[1], KEYS[2], tonumber(ARGV[1]))`;

/** KEYS: subtask. ARGV: now_iso → 'ok' | 'already' | 'final' | 'notslot' */
const markRunning = `
${FINAL}
local h = redis.call('HMGET', KEYS[1], 'status', 'in_slot')
if not h[1] then return 'notslot' end
if FINAL[h[1]] then return 'final' end
if h[1] == 'running' then return 'already' end
if h[2] ~= '1' then return 'notslot' end
redis.call('HSET', KEYS[1], 'status', 'running', 'started_at', ARGV[1])
return 'ok'`;

/** KEYS: subtask, slots, queue, queued_devices. ARGV: id, device_id → 'ok' | 'skip'.
 *  A device said SLOTS_FULL: back to the queue head. */
const requeueHead = `
${FINAL}
local h = redis.call('HMGET', KEYS[1], 'status', 'in_slot')
if not h[1] or FINAL[h[1]] or h[1] == 'running' or h[2] ~= '1' then return 'skip' end
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('LPUSH', KEYS[3], ARGV[1])
redis.call('SADD', KEYS[4], ARGV[2])
redis.call('HSET', KEYS[1], 'in_slot', '0', 'status', 'queued')
return 'ok'`;

/** KEYS: subtask, events. ARGV: device_id, seq, chunk_json, now_iso
 *  → {'notfound'} | {'final'} | {'dup'} | {'gap', last_seq} | {'applied', started(0/1)} */
const progress = `
${FINAL}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'notfound'} end
local h = redis.call('HMGET', KEYS[1], 'status', 'device_id', 'last_seq', 'in_slot')
if h[2] ~= ARGV[1] then return {'notfound'} end
if FINAL[h[1]] then return {'final'} end
local last, seq = tonumber(h[3] or '0'), tonumber(ARGV[2])
if seq <= last then return {'dup'} end
if seq > last + 1 then return {'gap', last} end
redis.call('RPUSH', KEYS[2], ARGV[3])
redis.call('HSET', KEYS[1], 'last_seq', seq)
local started = 0
if h[1] ~= 'running' and h[4] == '1' then
  redis.call('HSET', KEYS[1], 'status', 'running', 'started_at', ARGV[4])
  started = 1
end
return {'applied', started}`;

/** KEYS: online, deadlines, device. ARGV: device_id, ttl_ms, value, now_iso
 *  → {deadline (ms, Redis clock), 1 if the device was online before}. One call per heartbeat. */
const touch = `
${TOUCH}
local deadline, was = touch(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
return {deadline, was}`;

/** KEYS: device, online, deadlines, slots, queue. ARGV: device_id, user_id, ttl_ms, holder, now_iso
 *  → {'notregistered'} | {'ok', was_online (0/1), queue_length, device hash (flat), slot ids}.
 *  A heartbeat in one round trip: the registration check, the touch, and what reconcile needs. */
const heartbeat = `
${TOUCH}
local h = redis.call('HGETALL', KEYS[1])
local rec = {}
for i = 1, #h, 2 do rec[h[i]] = h[i + 1] end
if not rec.device_id or not rec.name or rec.user_id ~= ARGV[2] then return {'notregistered'} end
local _, was = touch(KEYS[2], KEYS[3], KEYS[1], ARGV[1], ARGV[3], ARGV[4], ARGV[5])
return {'ok', was, redis.call('LLEN', KEYS[5]), h, redis.call('SMEMBERS', KEYS[4])}`;

/** KEYS: online, deadlines. ARGV: device_id → 1 when THIS caller owns the lapse (only one node can). */
const claimLapse = `
${nowMs}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local s = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not s then return 0 end
if tonumber(s) > now_ms() then return 0 end
return redis.call('ZREM', KEYS[2], ARGV[1])`;

/** KEYS: online, deadlines. ARGV: device_id → deadline set to now so the monitor claims it at once. */
const expireNow = `
${nowMs}
redis.call('DEL', KEYS[1])
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then redis.call('ZADD', KEYS[2], now_ms(), ARGV[1]) end
return 1`;

/** KEYS: queued_devices. ARGV: prefix → subtasks waiting over all devices. Devices whose queue
 *  emptied leave the set here, atomically, so a scrape costs O(devices with a queue), not O(devices). */
const queuedTotal = `
local total = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local n = redis.call('LLEN', ARGV[1] .. 'device:' .. id .. ':queue')
  if n == 0 then redis.call('SREM', KEYS[1], id) else total = total + n end
end
return total`;

/** → ms, Redis clock (the clock presence deadlines use). */
const redisNow = `${nowMs}
return now_ms()`;

const SCRIPTS = {
  send: { keys: 9, lua: send },
  finish: { keys: 3, lua: finish },
  pumpOnly: { keys: 2, lua: pumpOnly },
  markRunning: { keys: 1, lua: markRunning },
  requeueHead: { keys: 4, lua: requeueHead },
  queuedTotal: { keys: 1, lua: queuedTotal },
  progress: { keys: 2, lua: progress },
  touch: { keys: 3, lua: touch },
  heartbeat: { keys: 5, lua: heartbeat },
  claimLapse: { keys: 2, lua: claimLapse },
  expireNow: { keys: 2, lua: expireNow },
  redisNow: { keys: 0, lua: redisNow },
} as const;

export type ScriptName = keyof typeof SCRIPTS;
type Runner = (...args: (string | number)[]) => Promise<unknown>;

/** Registers the scripts on a client (EVALSHA with automatic EVAL fallback, via ioredis). */
export class Scripts {
  constructor(private readonly redis: Redis) {
    for (const [name, s] of Object.entries(SCRIPTS)) {
      redis.defineCommand(`wg_${name}`, { numberOfKeys: s.keys, lua: s.lua });
    }
  }

  run<T = unknown>(name: ScriptName, keys: string[], args: (string | number)[]): Promise<T> {
    const fn = (this.redis as unknown as Record<string, Runner>)[`wg_${name}`];
    return fn.call(this.redis, ...keys, ...args) as Promise<T>;
  }

  readonly prefix = KEY_PREFIX;
}
