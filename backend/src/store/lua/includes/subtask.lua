-- The subtask record's fields as scripts read and write them. The names are fields of
-- SubtaskRecord (store/records.ts; backend/test/lua.test.ts holds them to it); everything else a
-- script writes to a subtask arrives encoded from TypeScript as a field list.
--- @include "final"

-- nil when there is no such subtask; with the bytes and events of its stored stream, read in the
-- same call (task:progress needs them on every seq, and each redis.call is a real share of a
-- script's time there, see progress-7.lua)
local function subtask_state(key)
  local h = redis.call('HMGET', key, 'status', 'device_id', 'last_seq', 'truncated', 'stored_bytes', 'stored_events')
  if not h[1] then return nil end
  return {
    status = h[1], device_id = h[2], last_seq = tonumber(h[3] or '0'), truncated = h[4] == '1',
    stored_bytes = tonumber(h[5] or '0'), stored_events = tonumber(h[6] or '0'),
  }
end

-- One applied seq in one write: its number, the stream's new totals, and when it starts the
-- subtask (started_at given) its running status; `truncated` when the seq was cut at the cap.
local function subtask_append(key, seq, stored_bytes, stored_events, started_at, truncated)
  local f = { 'last_seq', seq, 'stored_bytes', stored_bytes, 'stored_events', stored_events }
  if started_at then
    f[#f + 1] = 'status'; f[#f + 1] = 'running'; f[#f + 1] = 'started_at'; f[#f + 1] = started_at
  end
  if truncated then f[#f + 1] = 'truncated'; f[#f + 1] = '1' end
  redis.call('HSET', key, unpack(f))
end

local function subtask_set_status(key, status)
  redis.call('HSET', key, 'status', status)
end

local function subtask_start(key, now_iso)
  redis.call('HSET', key, 'status', 'running', 'started_at', now_iso)
end


local function subtask_owner(key)
  return redis.call('HGET', key, 'user_id')
end
