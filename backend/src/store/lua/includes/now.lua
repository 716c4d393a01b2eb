-- Milliseconds on the Redis clock: presence deadlines use it, so every node agrees whatever its own clock says.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
