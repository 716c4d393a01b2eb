-- The device acknowledged task:execute (or reports the subtask running): running, if it still
-- holds its slot.
-- KEYS: subtask, slots   ARGV: subtask_id, now_iso
-- → 'ok' | 'already' | 'final' | 'notslot'
--- @include "subtask"
local s = subtask_state(KEYS[1])
if not s then return 'notslot' end
if FINAL[s.status] then return 'final' end
if s.status == 'running' then return 'already' end
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 then return 'notslot' end
subtask_start(KEYS[1], ARGV[2])
return 'ok'
