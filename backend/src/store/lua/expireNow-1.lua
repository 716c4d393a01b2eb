-- Makes a device offline now (a clean goodbye with nothing running, or its deletion): its
-- deadline becomes now so the monitor claims it at once (the caller deletes its online key).
-- KEYS: deadlines   ARGV: member
--- @include "now"
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then redis.call('ZADD', KEYS[1], now_ms(), ARGV[1]) end
return 1
