-- Ends a claim (claimLapse) once the device's tasks are failed: removes the deadline unless it
-- changed since (the device came back and set a new one).
-- KEYS: deadlines   ARGV: member (presenceMember), lease
-- → 1 when removed, 0 when the deadline had changed
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if s and tonumber(s) == tonumber(ARGV[2]) then return redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0
