-- A device answered SLOTS_FULL: the subtask goes back to the head of its queue.
-- KEYS: subtask, slots, queue   ARGV: subtask_id
-- → 'ok' | 'skip' (it ended, runs, or no longer holds a slot)
--- @include "subtask"
local s = subtask_state(KEYS[1])
if not s or FINAL[s.status] or s.status == 'running' then return 'skip' end
if redis.call('SREM', KEYS[2], ARGV[1]) == 0 then return 'skip' end
redis.call('LPUSH', KEYS[3], ARGV[1])
subtask_set_status(KEYS[1], 'queued')
return 'ok'
