-- A backend node says it is alive (realtime/peers.ts): its member in the nodes ZSET is scored with
-- the Redis clock, and members not refreshed within ttl_ms (nodes that died without leaving) are
-- dropped, so a node left alone finds out within ttl_ms however the others went.
-- KEYS: nodes
-- ARGV: node_id, ttl_ms
-- → how many other nodes are registered
--- @include "now"
local now = now_ms()
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
redis.call('ZADD', KEYS[1], now, ARGV[1])
return redis.call('ZCARD', KEYS[1]) - 1
