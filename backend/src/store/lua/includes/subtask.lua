-- The subtask record's fields as scripts read and write them. The names are fields of
-- SubtaskRecord (store/records.ts; backend/test/lua.test.ts holds them to it); everything else a
-- script writes to a subtask arrives encoded from TypeScript as a field list.
--- @include "final"

-- nil when there is no such subtask
local function subtask_state(key)
  local h = redis.call('HMGET', key, 'status', 'device_id', 'last_seq', 'truncated')
  if not h[1] then return nil end
  return { status = h[1], device_id = h[2], last_seq = tonumber(h[3] or '0'), truncated = h[4] == '1' }
end

-- bytes and events of the subtask's stored stream
local function subtask_stored(key)
  local h = redis.call('HMGET', key, 'stored_bytes', 'stored_events')
  return tonumber(h[1] or '0'), tonumber(h[2] or '0')
end

local function subtask_add_stored(key, bytes, events)
  redis.call('HINCRBY', key, 'stored_bytes', bytes)
  redis.call('HINCRBY', key, 'stored_events', events)
end

local function subtask_truncate(key)
  redis.call('HSET', key, 'truncated', '1')
end

local function subtask_set_status(key, status)
  redis.call('HSET', key, 'status', status)
end

local function subtask_start(key, now_iso)
  redis.call('HSET', key, 'status', 'running', 'started_at', now_iso)
end

local function subtask_set_last_seq(key, seq)
  redis.call('HSET', key, 'last_seq', seq)
end

local function subtask_owner(key)
  return redis.call('HGET', key, 'user_id')
end
