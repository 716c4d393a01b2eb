-- Refreshes a device's presence: the online key with its TTL, its deadline in the ZSET, and
-- last_seen_at on its record (if it has one). Returns the deadline (ms, Redis clock) and 1 if the
-- device was online before.
--- @include "now"
--- @include "device"
local function touch(online, deadlines, device, device_id, ttl_ms, holder, now_iso)
  local was = redis.call('EXISTS', online)
  local deadline = now_ms() + tonumber(ttl_ms)
  redis.call('SET', online, holder, 'PX', ttl_ms)
  redis.call('ZADD', deadlines, deadline, device_id)
  device_seen(device, now_iso)
  return deadline, was
end
