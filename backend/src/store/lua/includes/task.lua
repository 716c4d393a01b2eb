-- The conversation (task) record's fields as scripts read and write them (fields of TaskRecord,
-- store/records.ts; backend/test/lua.test.ts holds them to it).

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

-- What a follow-up needs of its conversation, in one call: its owner, and the turn that holds it
-- (false when none does; a turn that holds none is written by task_turn_fields).
local function task_turn_state(key)
  local t = redis.call('HMGET', key, 'user_id', 'active_subtask_id')
  local active = t[2]
  if active == '' then active = false end
  return t[1], active
end

-- A turn's own fields for its conversation's one write (turn_attach), appended to `list`: the
-- conversation's status and, when the turn holds it, the turn as the active one.
local function task_turn_fields(list, status, holder)
  list[#list + 1] = 'status'; list[#list + 1] = status
  if holder then list[#list + 1] = 'active_subtask_id'; list[#list + 1] = holder end
  return list
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
