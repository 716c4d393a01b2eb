-- Claims a lapsed presence deadline for this caller: only one node can, because the claim moves
-- the deadline forward by a lease. The claimer fails the device's tasks and then releases the
-- entry (releaseLapse); if it cannot (Redis went away, the node died), the lease lapses in turn
-- and the next monitor pass, on any node, claims it again. So a lapse is never lost. The caller
-- checked just before that the online key is gone (it lives in another slot: the device's home).
-- KEYS: deadlines   ARGV: member, lease_ms
-- → the lease (its deadline score) when this caller won, else 0
--- @include "now"
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not s then return 0 end
local now = now_ms()
if tonumber(s) > now then return 0 end
local lease = now + tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], lease, ARGV[1])
return lease
