-- The account's attachment index expires with the last of its entries: nothing of it is left after.
local function index_expire_at(key, at_ms)
  if redis.call('PTTL', key) < 0 then redis.call('PEXPIREAT', key, at_ms) else redis.call('PEXPIREAT', key, at_ms, 'GT') end
end
