-- chat:send to the cloud pool, step 1, at the pool device's home (its operator's): the device's
-- checks, the subtask record, a slot or a queue place. Step 2 (attachTurn-3) links the turn to
-- the conversation at the user's home. Nothing is written before the checks.
-- KEYS: device, online, subtask, slots, queue
-- ARGV: subtask_id, max_queue, default_slots, park ('1': a follow-up, recorded as queued without a
--       slot or queue place until step 2 says it holds the conversation), then the subtask record
--       (a field list, pairs.lua)
-- → {'nodevice'} | {'offline', name} | {'full', name}
--   | {'ok', name, queue_position (0 = took a slot), {promoted ids}, {queue ids, when any were promoted}, status}
--- @include "turn"
local device, online, sub, slots, queue = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local sid, max_queue, default_slots = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local park = ARGV[4] == '1'
local subtask_fields = take_list(5)
local d, max, refused, qlen, used = turn_check(device, online, slots, queue, '', false, max_queue, default_slots)
if refused then return refused end
if park then
  hset_list(sub, subtask_fields)
  subtask_set_status(sub, 'queued')
  return {'ok', d.name, 0, {}, {}, 'queued'}
end
local status, pos, promoted, waiting = turn_take(sub, slots, queue, sid, max, subtask_fields, qlen, used)
return {'ok', d.name, pos, promoted, waiting, status}
