-- task:progress points of one device in its current second (a fixed one-second window): `cost`
-- more are taken, refused or not. Returns nil within `points`, else the ms until the window ends.
local function rate_take(key, cost, points)
  local used = redis.call('INCRBY', key, cost)
  if used == cost then redis.call('PEXPIRE', key, 1000) end
  if used <= points then return nil end
  return math.max(1, redis.call('PTTL', key))
end
