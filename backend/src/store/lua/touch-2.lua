-- Presence refresh on register (its deadline: deadline-1, same round trip).
-- KEYS: online, device   ARGV: ttl_ms, holder, now_iso
-- → 1 if the device was online before, else 0
--- @include "touch"
return touch(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3])
