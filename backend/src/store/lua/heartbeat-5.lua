-- A heartbeat in one round trip: the registration check, the presence refresh, and what
-- reconcile needs (the record, the slot ids, the queue length). Its deadline: deadline-1, sent
-- in the same round trip (a bucket of its own slot).
-- KEYS: device, online, slots, queue   ARGV: user_id, ttl_ms, holder, now_iso
-- → {'notregistered'} | {'ok', was_online (0|1), queue_length, the record (HGETALL), {slot ids}}
--- @include "touch"
local d = device_identity(KEYS[1])
if not d or d.user_id ~= ARGV[1] then return {'notregistered'} end
local was = touch(KEYS[2], KEYS[1], ARGV[2], ARGV[3], ARGV[4])
return {'ok', was, redis.call('LLEN', KEYS[4]), redis.call('HGETALL', KEYS[1]), redis.call('SMEMBERS', KEYS[3])}
