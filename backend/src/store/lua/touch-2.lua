-- Presence refresh on register (its deadline: deadline-1, same round trip).
-- KEYS: online, device   ARGV: ttl_ms, holder, now_iso
-- → {was online before (1/0), had a lost connection's mark that this touch cleared (1/0)}
--- @include "touch"
local was, lost = touch(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3])
return {was, lost}
