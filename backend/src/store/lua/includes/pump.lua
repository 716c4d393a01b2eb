-- Moves queue heads into free slots and returns the ids that took one. The queue never holds a
-- finished subtask (finish removes it in the same step), so no subtask record is read here: the
-- pump touches only the device's own keys, which the caller passed.
local function pump(slots, queue, max)
  local promoted = {}
  while redis.call('SCARD', slots) < max do
    local id = redis.call('LPOP', queue)
    if not id then break end
    redis.call('SADD', slots, id)
    promoted[#promoted + 1] = id
  end
  return promoted
end
