-- A heartbeat in one round trip: the registration check, the presence refresh, and what
-- reconcile needs (the record, the slot ids, the queue length).
-- KEYS: device, online, deadlines, slots, queue   ARGV: device_id, user_id, ttl_ms, holder, now_iso
-- → {'notregistered'} | {'ok', was_online (0|1), queue_length, the record (HGETALL), {slot ids}}
--- @include "touch"
local d = device_identity(KEYS[1])
if not d or d.user_id ~= ARGV[2] then return {'notregistered'} end
local _, was = touch(KEYS[2], KEYS[3], KEYS[1], ARGV[1], ARGV[3], ARGV[4], ARGV[5])
return {'ok', was, redis.call('LLEN', KEYS[5]), redis.call('HGETALL', KEYS[1]), redis.call('SMEMBERS', KEYS[4])}
