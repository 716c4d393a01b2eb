-- The device record's fields as scripts read and write them (fields of DeviceRecord,
-- store/records.ts; backend/test/lua.test.ts holds them to it).

-- nil unless the record is complete (registered)
local function device_identity(key)
  local d = redis.call('HMGET', key, 'device_id', 'user_id', 'name', 'max_slots', 'disconnected_at')
  if not d[1] or not d[2] or not d[3] then return nil end
  return { device_id = d[1], user_id = d[2], name = d[3], max_slots = tonumber(d[4]) or 0, disconnected_at = d[5] }
end

-- A socket holds the device again: it is no longer "connection lost". 1 if it was, else 0.
local function device_connected(key)
  return redis.call('HDEL', key, 'disconnected_at')
end

local function device_lost(key, now_iso)
  if redis.call('EXISTS', key) == 1 then redis.call('HSET', key, 'disconnected_at', now_iso) end
end

-- The device's slot count; `default` when unset (a record written before max_slots existed).
local function device_max_slots(key, default)
  local max = tonumber(redis.call('HGET', key, 'max_slots')) or 0
  if max <= 0 then max = tonumber(default) end
  return max
end

local function device_seen(key, now_iso)
  if redis.call('EXISTS', key) == 1 then redis.call('HSET', key, 'last_seen_at', now_iso) end
end

-- Its creation time, set by the first registration only.
local function device_created(key, now_iso)
  redis.call('HSETNX', key, 'created_at', now_iso)
end
