-- chat:send's whole write path: check the device (owner, online) and the conversation, refuse a
-- full queue, create the records, take a slot or a queue place, and attach the turn to its
-- conversation. Nothing is written before the checks, so a refused send leaves no trace.
-- KEYS: device, online, task, subtask, task_subtasks, user_tasks, slots, queue
-- ARGV: user_id, check_owner ('1'|'0'), new_task ('1'|'0'), subtask_id, task_id, max_queue,
--       default_slots, now_ms, then three field lists (pairs.lua): the task record when new, the
--       task's update, the subtask record
-- → {'nodevice'} | {'offline', name} | {'notask', name} | {'full', name}
--   | {'ok', name, queue_position (0 = took a slot), {promoted ids}, {queue ids, when any were promoted}}
--- @include "pairs"
--- @include "device"
--- @include "task"
--- @include "subtask"
--- @include "pump"
local device, online, task, sub, task_subs, user_tasks, slots, queue = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local user, check_owner, new_task, sid, tid = ARGV[1], ARGV[2] == '1', ARGV[3] == '1', ARGV[4], ARGV[5]
local max_queue, default_slots, now_ms = tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8]
local task_create, i = take_list(9)
local task_update, j = take_list(i)
local subtask_fields = take_list(j)

local d = device_identity(device)
if not d or (check_owner and d.user_id ~= user) then return {'nodevice'} end
if redis.call('EXISTS', online) == 0 then return {'offline', d.name} end
if not new_task and task_owner(task) ~= user then return {'notask', d.name} end
local max = d.max_slots
if max <= 0 then max = default_slots end
local qlen = redis.call('LLEN', queue)
if (redis.call('SCARD', slots) >= max or qlen > 0) and qlen >= max_queue then return {'full', d.name} end

if new_task then hset_list(task, task_create) end
hset_list(sub, subtask_fields)
redis.call('RPUSH', queue, sid)
local promoted = pump(slots, queue, max)
local pos = 0
local status = 'pending'
if redis.call('SISMEMBER', slots, sid) == 0 then
  status = 'queued'
  subtask_set_status(sub, status)
  pos = redis.call('LPOS', queue, sid) + 1
end
hset_list(task, task_update)
task_set_status(task, status)
redis.call('RPUSH', task_subs, sid)
redis.call('ZADD', user_tasks, now_ms, tid)
local waiting = {}
if #promoted > 0 then waiting = redis.call('LRANGE', queue, 0, -1) end
return {'ok', d.name, pos, promoted, waiting}
