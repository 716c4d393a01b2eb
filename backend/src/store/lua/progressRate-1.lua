-- Takes task:progress points of a device outside the progress script (a call refused before it,
-- e.g. for a subtask this device does not run: it costs its points all the same).
-- KEYS: rate   ARGV: cost, points   → 0 within the rate, else the ms until the window ends
--- @include "rate"
return rate_take(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])) or 0
