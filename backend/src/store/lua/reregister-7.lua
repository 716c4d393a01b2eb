-- A device of this account registering again (a reconnect, or every device at once after a backend
-- restart) in one round trip: the record updated as register writes it, the presence refreshed, and
-- everything the registration goes on to need read back. Every key lives at the owner's home. An
-- id this account has not registered is not touched ({'unknown'}): its claim and the cross-user
-- indexes live elsewhere, so a first registration takes the longer way (devices.ts).
-- Its deadline: deadline-1, sent in the same round trip (a bucket of its own slot).
-- KEYS: device, user's devices, online, slots, queue, user's default device, forget set
-- ARGV: device_id, ttl_ms, holder, now_iso, forget_limit, then a list (pairs.lua) of the record's fields
-- → {'unknown'} | {'ok', was_online (0|1), was_lost (0|1), record before (HGETALL), record after
--    (HGETALL), {slot ids}, queue length, default device id or false, {ids to forget}}
--- @include "pairs"
--- @include "device"
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 then return {'unknown'} end
local before = redis.call('HGETALL', KEYS[1])
device_created(KEYS[1], ARGV[4])
hset_list(KEYS[1], take_list(6))
-- The touch (includes/touch.lua) less its last_seen_at, which is among the fields just written.
local was = redis.call('EXISTS', KEYS[3])
redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[2])
local lost = device_connected(KEYS[1])
return {
  'ok', was, lost, before, redis.call('HGETALL', KEYS[1]), redis.call('SMEMBERS', KEYS[4]), redis.call('LLEN', KEYS[5]),
  redis.call('GET', KEYS[6]), redis.call('SRANDMEMBER', KEYS[7], tonumber(ARGV[5])),
}
