-- Makes a device offline now (a clean goodbye with nothing running, or its deletion): its
-- deadline becomes now so the monitor claims it at once.
-- KEYS: online, deadlines   ARGV: device_id
--- @include "now"
redis.call('DEL', KEYS[1])
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then redis.call('ZADD', KEYS[2], now_ms(), ARGV[1]) end
return 1
