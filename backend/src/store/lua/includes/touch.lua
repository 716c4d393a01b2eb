-- Refreshes a device's presence at its home: the online key with its TTL and last_seen_at on its
-- record (if it has one). Its deadline lives in a presence bucket of its own slot (deadline-1.lua,
-- sent in the same round trip). Returns 1 if the device was online before, else 0, and 1 if it was
-- marked as having lost its connection (a mark this clears), else 0.
--- @include "device"
local function touch(online, device, ttl_ms, holder, now_iso)
  local was = redis.call('EXISTS', online)
  redis.call('SET', online, holder, 'PX', ttl_ms)
  device_seen(device, now_iso)
  return was, device_connected(device)
end
