-- A heartbeat in one round trip: the registration check, the presence refresh, what reconcile
-- needs (the record, the slot ids, the queue length), and the deleted conversations the device is
-- still to forget, after dropping the ones it says it has (conversations.ts). Its deadline:
-- deadline-1, sent in the same round trip (a bucket of its own slot).
-- KEYS: device, online, slots, queue, forget set
-- ARGV: user_id, ttl_ms, holder, now_iso, forget_limit, then a list (pairs.lua) of forgotten ids
-- → {'notregistered'} | {'ok', was_online (0|1), queue_length, the record (HGETALL), {slot ids}, {ids to forget}}
--- @include "pairs"
--- @include "touch"
local d = device_identity(KEYS[1])
if not d or d.user_id ~= ARGV[1] then return {'notregistered'} end
local was = touch(KEYS[2], KEYS[1], ARGV[2], ARGV[3], ARGV[4])
local forgotten = take_list(6)
if #forgotten > 0 then redis.call('SREM', KEYS[5], unpack(forgotten)) end
return {
  'ok', was, redis.call('LLEN', KEYS[4]), redis.call('HGETALL', KEYS[1]), redis.call('SMEMBERS', KEYS[3]),
  redis.call('SRANDMEMBER', KEYS[5], tonumber(ARGV[5])),
}
