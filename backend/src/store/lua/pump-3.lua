-- Fills free slots from the queue (a slot may have freed while a device refused with SLOTS_FULL).
-- KEYS: slots, queue, device   ARGV: default_slots
-- → {{promoted ids}, {queue ids after, when any were promoted}}
--- @include "device"
--- @include "pump"
local promoted = pump(KEYS[1], KEYS[2], device_max_slots(KEYS[3], ARGV[1]))
local waiting = {}
if #promoted > 0 then waiting = redis.call('LRANGE', KEYS[2], 0, -1) end
return {promoted, waiting}
