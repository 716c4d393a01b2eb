-- Sets when a device's online key lapses, on this bucket's clock (the clock the monitor's claim
-- on the same bucket compares with, so nodes and shards agree whatever their own clocks say).
-- KEYS: deadlines   ARGV: member, ttl_ms   → the deadline (ms)
--- @include "now"
local deadline = now_ms() + tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], deadline, ARGV[1])
return deadline
