-- chat:send to the cloud pool, step 2, at the user's home: the turn joins its conversation
-- (created when new), once the conversation is the user's.
-- KEYS: task, task_subtasks, user_tasks
-- ARGV: user_id, new_task ('1'|'0'), subtask_id, task_id, now_ms, status, then two field lists
--       (pairs.lua): the task record when new, the task's update
-- → 'notask' | 'ok'
--- @include "turn"
local task, task_subs, user_tasks = KEYS[1], KEYS[2], KEYS[3]
local user, new_task, sid, tid, now_ms, status = ARGV[1], ARGV[2] == '1', ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local task_create, i = take_list(7)
local task_update = take_list(i)
if not new_task and task_owner(task) ~= user then return 'notask' end
turn_attach(task, task_subs, user_tasks, new_task, sid, tid, now_ms, status, task_create, task_update)
return 'ok'
