-- The device acked a chat's answer: its record says so from now on (the card drops "on its way").
-- KEYS: decisions   ARGV: request_id   → 1 when a record was marked, 0 when there is none
local known = redis.call('HGET', KEYS[1], ARGV[1])
if not known then return 0 end
local record = cjson.decode(known)
record.delivered = true
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(record))
return 1
