-- Mirrors a subtask's state onto its conversation (for lists): an older turn ending (a cancelled
-- queued one) must not overwrite the newest turn's status.
-- KEYS: task, user_tasks   ARGV: subtask_id, task_id, now_ms, status, then fields for any turn (pairs.lua)
--- @include "pairs"
--- @include "task"
local always = take_list(5)
if task_newest_subtask(KEYS[1]) == ARGV[1] then task_set_status(KEYS[1], ARGV[4]) end
hset_list(KEYS[1], always)
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
return 1
