-- Adds one reply's usage to a user's day (usage.ts): every increment in one step, then the day's TTL.
-- KEYS: the day's usage hash   ARGV: ttl_s, then field/amount pairs; a field ending in "total_cost_usd"
-- is fractional (HINCRBYFLOAT), every other one a whole count (HINCRBY).
for i = 2, #ARGV, 2 do
  if string.sub(ARGV[i], -14) == 'total_cost_usd' then
    redis.call('HINCRBYFLOAT', KEYS[1], ARGV[i], ARGV[i + 1])
  else
    redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
