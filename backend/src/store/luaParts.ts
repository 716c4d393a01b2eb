// Lua fragments more than one script needs, spliced into their source (Redis scripts cannot call
// one another).

export const FINAL = `local FINAL = { completed = true, failed = true, cancelled = true }`;

/** Moves queue heads into free slots; returns the ids that took a slot. Skips stale (final) ids. */
export const PUMP = `
local function pump(slots, queue, max)
  local promoted = {}
  while redis.call('SCARD', slots) < max do
    local id = redis.call('LPOP', queue)
    if not id then break end
    local key = ARGV_PREFIX .. 'subtask:' .. id
    local st = redis.call('HGET', key, 'status')
    if st and not FINAL[st] then
      redis.call('SADD', slots, id)
      redis.call('HSET', key, 'in_slot', '1')
      table.insert(promoted, id)
    end
  end
  return promoted
end`;

export const nowMs = `local function now_ms() local t = redis.call('TIME'); return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) end`;

/** Refreshes a device's presence: online key with a TTL, its deadline in the ZSET, last_seen_at on
 *  its record (if it has one). Returns the deadline (ms, Redis clock) and 1 if it was online before. */
export const TOUCH = `${nowMs}
local function touch(online, deadlines, device, device_id, ttl_ms, holder, now_iso)
  local was = redis.call('EXISTS', online)
  local deadline = now_ms() + tonumber(ttl_ms)
  redis.call('SET', online, holder, 'PX', ttl_ms)
  redis.call('ZADD', deadlines, deadline, device_id)
  if redis.call('EXISTS', device) == 1 then redis.call('HSET', device, 'last_seen_at', now_iso) end
  return deadline, was
end`;
