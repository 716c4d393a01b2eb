-- Field/value lists travel in ARGV as their length, then the items (script.ts `pairs`): returns
-- the list starting at ARGV[i] and the index just after it.
local function take_list(i)
  local n = tonumber(ARGV[i])
  local list = {}
  for j = 1, n do list[j] = ARGV[i + j] end
  return list, i + n + 1
end

local function hset_list(key, list)
  if #list > 0 then redis.call('HSET', key, unpack(list)) end
end
