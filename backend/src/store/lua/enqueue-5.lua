-- A follow-up that waited behind its conversation's previous turn now holds the conversation: it
-- takes a slot or a place at the end of its device's queue, like a new send (turn.lua), once its
-- device is still there to run it.
-- KEYS: subtask, device, online, slots, queue   ARGV: subtask_id, default_slots
-- → {'gone'} (no such subtask, or final already) | {'offline'} (the device is offline, lost or deleted)
--   | {'ok', queue_position (0 = took a slot), {promoted ids}, {queue ids}}
--- @include "device"
--- @include "subtask"
--- @include "pump"
local sub, device, online, slots, queue = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local sid = ARGV[1]
local s = subtask_state(sub)
if not s or FINAL[s.status] then return {'gone'} end
local d = device_identity(device)
if not d or redis.call('EXISTS', online) == 0 or d.disconnected_at then return {'offline'} end
local max = device_max_slots(device, ARGV[2])
if redis.call('LPOS', queue, sid) == false and redis.call('SISMEMBER', slots, sid) == 0 then redis.call('RPUSH', queue, sid) end
local promoted = pump(slots, queue, max)
local pos = 0
if redis.call('SISMEMBER', slots, sid) == 1 then
  subtask_set_status(sub, 'pending')
else
  pos = redis.call('LPOS', queue, sid) + 1
end
return {'ok', pos, promoted, redis.call('LRANGE', queue, 0, -1)}
