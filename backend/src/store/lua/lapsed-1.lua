-- One monitor look at a presence bucket, on its own clock: the members whose deadline passed,
-- and how long until the next one.
-- KEYS: deadlines   → {{lapsed members}, ms until the earliest later deadline (-1: none)}
--- @include "now"
local now = now_ms()
local lapsed = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
local nxt = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
local wait = -1
if nxt[2] then wait = tonumber(nxt[2]) - now end
return {lapsed, wait}
