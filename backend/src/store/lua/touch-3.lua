-- Presence refresh on register.
-- KEYS: online, deadlines, device   ARGV: device_id, ttl_ms, holder, now_iso
-- → {deadline (ms, Redis clock), 1 if the device was online before}
--- @include "touch"
local deadline, was = touch(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
return {deadline, was}
