-- → ms on the Redis clock (the clock presence deadlines use).
--- @include "now"
return now_ms()
