-- The account's attachment index (id → "<expires ms>:<bytes>"): entries whose upload expired are
-- dropped, and the index itself expires with the last live entry, so nothing of it outlives them.
-- Returns the bytes the live entries hold.
local function index_tidy(key, now_ms)
  local held, last = 0, 0
  local index = redis.call('HGETALL', key)
  for i = 1, #index, 2 do
    local sep = string.find(index[i + 1], ':', 1, true)
    local expires = tonumber(string.sub(index[i + 1], 1, sep - 1))
    if expires <= now_ms then
      redis.call('HDEL', key, index[i])
    else
      held = held + tonumber(string.sub(index[i + 1], sep + 1))
      if expires > last then last = expires end
    end
  end
  if last > 0 then redis.call('PEXPIREAT', key, last) end
  return held
end
