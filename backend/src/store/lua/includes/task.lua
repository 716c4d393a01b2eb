-- The conversation (task) record's fields as scripts read and write them (fields of TaskRecord,
-- store/records.ts; backend/test/lua.test.ts holds them to it).

local function task_owner(key)
  return redis.call('HGET', key, 'user_id')
end

local function task_newest_subtask(key)
  return redis.call('HGET', key, 'last_subtask_id')
end

local function task_set_status(key, status)
  redis.call('HSET', key, 'status', status)
end

-- The turn that holds the conversation: follow-ups sent meanwhile wait behind it (task_held list).
local function task_active(key)
  local id = redis.call('HGET', key, 'active_subtask_id')
  if id == '' then return false end
  return id
end

local function task_set_active(key, sid)
  if sid then redis.call('HSET', key, 'active_subtask_id', sid) else redis.call('HDEL', key, 'active_subtask_id') end
end

-- A turn joins its conversation: it holds the conversation when none does (→ nil), else it waits
-- at the end of `held` (→ the id of the turn that holds it).
local function task_hold_or_take(key, held, sid)
  local busy = task_active(key)
  if busy then
    redis.call('RPUSH', held, sid)
    return busy
  end
  task_set_active(key, sid)
  return nil
end

-- A turn ended: it leaves `held`; when it held the conversation, the next waiting turn takes it
-- (→ that id, false when none or when the turn did not hold it).
local function task_release(key, held, sid)
  redis.call('LREM', held, 0, sid)
  if task_active(key) ~= sid then return false end
  local nxt = redis.call('LPOP', held)
  task_set_active(key, nxt or nil)
  return nxt or false
end
