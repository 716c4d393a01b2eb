-- chat:send to the cloud pool, step 2, at the user's home: the turn joins its conversation
-- (created when new), once the conversation is the user's. A follow-up comes parked (sendPool-5
-- gave it no slot): it waits behind the turn that holds the conversation ('held'), or holds it
-- now ('take': the caller puts it on the device's queue, enqueue-5).
-- KEYS: task, task_subtasks, user_tasks, task_held
-- ARGV: user_id, new_task ('1'|'0'), subtask_id, task_id, now_ms, status, then two field lists
--       (pairs.lua): the task record when new, the task's update
-- → {'notask'} | {'ok'} | {'take'} | {'held', id of the turn it waits for}
--- @include "turn"
local task, task_subs, user_tasks, held = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local user, new_task, sid, tid, now_ms, status = ARGV[1], ARGV[2] == '1', ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local task_create, i = take_list(7)
local task_update = take_list(i)
local busy = turn_join(task, held, sid, new_task, user)
if busy == false then return {'notask'} end
turn_attach(task, task_subs, user_tasks, new_task, sid, tid, now_ms, status, task_create, task_update, not busy)
if busy then return {'held', busy} end
if new_task then return {'ok'} end
return {'take'}
