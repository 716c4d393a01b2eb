-- The socket holding a device went away without a goodbye (or with tasks still running): the device
-- stays online for its TTL, so it can come back and reclaim its tasks, but is marked as having lost
-- its connection. Only the socket that holds it may mark it (a newer one may have replaced it).
-- KEYS: online, device   ARGV: holder, now_iso
-- → ms until the online key lapses, or -1 when this socket does not hold the device
--- @include "device"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
device_lost(KEYS[2], ARGV[2])
return redis.call('PTTL', KEYS[1])
