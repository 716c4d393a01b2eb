-- Mirrors a subtask's state onto its conversation (for lists): an older turn ending (a cancelled
-- queued one) must not overwrite the newest turn's status. A final turn lets go of the
-- conversation: the next follow-up waiting behind it takes it.
-- KEYS: task, user_tasks, task_held
-- ARGV: subtask_id, task_id, now_ms, status, final ('1'|'0'), then fields for any turn (pairs.lua)
-- → the id of the follow-up that now holds the conversation (the caller puts it on its device's
--   queue), or false
--- @include "pairs"
--- @include "task"
local always = take_list(6)
if task_newest_subtask(KEYS[1]) == ARGV[1] then task_set_status(KEYS[1], ARGV[4]) end
hset_list(KEYS[1], always)
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
if ARGV[5] ~= '1' then return false end
return task_release(KEYS[1], KEYS[3], ARGV[1])
