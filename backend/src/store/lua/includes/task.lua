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
