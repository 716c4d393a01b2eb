-- Moves a subtask to its final status once, frees its slot (or queue place) and, when asked,
-- pulls the next queued subtasks into the freed slots.
-- With `load` asked (the device's owner is known), the device's load as the step left it, for its
-- device:status without reading it back: when it is online and its connection not lost.
-- KEYS: subtask, slots, queue, device, online, the owner's default device (load '0': any key of
--       this slot)
-- ARGV: subtask_id, expected_device ('' = any), required_last_seq (-1 = any), pump ('1'|'0'),
--       default_slots, load ('1'|'0'), then the final fields (pairs.lua: status, completed_at, result, ...)
-- → {'notfound'} | {'already'} | {'gap', last_seq}
--   | {'done', was_in_slot (0|1), the record (HGETALL), {promoted ids}, {queue ids, when it moved},
--      load: {slots used, max slots, default device id or '', name} or false (as send-10's)}
--- @include "pairs"
--- @include "subtask"
--- @include "device"
--- @include "pump"
local sub, slots, queue, device, online, default_device = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local id, expected, required = ARGV[1], ARGV[2], tonumber(ARGV[3])
local final_fields = take_list(7)

local s = subtask_state(sub)
if not s or (expected ~= '' and s.device_id ~= expected) then return {'notfound'} end
if FINAL[s.status] then return {'already'} end
-- A truncated stream stored fewer seqs than the device sent: its completion is taken as it is.
if required >= 0 and required > s.last_seq and not s.truncated then return {'gap', s.last_seq} end

hset_list(sub, final_fields)
local was_in_slot = redis.call('SREM', slots, id)
local left_queue = redis.call('LREM', queue, 0, id)
local promoted = {}
if ARGV[4] == '1' then promoted = pump(slots, queue, device_max_slots(device, ARGV[5])) end
local waiting = {}
if #promoted > 0 or left_queue > 0 then waiting = redis.call('LRANGE', queue, 0, -1) end
local load = false
if ARGV[6] == '1' then
  local d = device_identity(device)
  if d and not d.disconnected_at and redis.call('EXISTS', online) == 1 then
    local max = d.max_slots
    if max <= 0 then max = tonumber(ARGV[5]) end
    load = {redis.call('SCARD', slots), max, redis.call('GET', default_device) or '', d.name}
  end
end
return {'done', was_in_slot, redis.call('HGETALL', sub), promoted, waiting, load}
