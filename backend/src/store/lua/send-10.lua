-- chat:send's whole write path on a user's own device (all its keys at the user's home): check
-- the device (owner, online) and the conversation, refuse a full queue, create the records, take
-- a slot or a queue place, and attach the turn to its conversation. Nothing is written before the
-- checks, so a refused send leaves no trace. A follow-up while another turn of the conversation
-- holds it waits behind that turn (held: no slot, no place on the device's queue yet).
-- KEYS: device, online, task, subtask, task_subtasks, user_tasks, slots, queue, task_held, the
--       user's default device
-- ARGV: user_id, check_owner ('1'|'0'), new_task ('1'|'0'), subtask_id, task_id, max_queue,
--       default_slots, now_ms, max_tasks (the account's conversation cap, 0: none), then three field lists (pairs.lua): the task record when new, the
--       task's update, the subtask record
-- → {'toomany', '', conversations kept} | {'nodevice'} | {'offline', name} | {'notask', name} | {'full', name}
--   | {'ok', name, queue_position (0 = took a slot), {promoted ids}, {queue ids, when any were promoted},
--      load: {slots used, max slots, default device id or '', name} when the turn took a free slot with
--      nobody waiting (the common send: the chats hear the device's new load without a read)}
--   | {'held', name, id of the turn it waits for}
--- @include "turn"
local device, online, task, sub, task_subs, user_tasks, slots, queue = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local held, default_device = KEYS[9], KEYS[10]
local user, check_owner, new_task, sid, tid = ARGV[1], ARGV[2] == '1', ARGV[3] == '1', ARGV[4], ARGV[5]
local max_queue, default_slots, now_ms, max_tasks = tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8], tonumber(ARGV[9])
local task_create, i = take_list(10)
local task_update, j = take_list(i)
local subtask_fields = take_list(j)

-- The account's conversation cap comes first, as it did when it was a read of its own; a follow-up
-- is always allowed.
if new_task and max_tasks > 0 then
  local kept = redis.call('ZCARD', user_tasks)
  if kept >= max_tasks then return {'toomany', '', kept} end
end
local d, max, refused, qlen, used = turn_check(device, online, slots, queue, user, check_owner, max_queue, default_slots)
if refused then return refused end
local busy = turn_join(task, held, sid, new_task, user)
if busy == false then return {'notask', d.name} end
if busy then
  hset_list(sub, subtask_fields)
  subtask_set_status(sub, 'queued')
  turn_attach(task, task_subs, user_tasks, new_task, sid, tid, now_ms, 'queued', task_create, task_update, false)
  return {'held', d.name, busy}
end
local status, pos, promoted, waiting = turn_take(sub, slots, queue, sid, max, subtask_fields, qlen, used)
turn_attach(task, task_subs, user_tasks, new_task, sid, tid, now_ms, status, task_create, task_update, true)
local load = false
if qlen == 0 and used < max then load = {used + 1, max, redis.call('GET', default_device) or '', d.name} end
return {'ok', d.name, pos, promoted, waiting, load}
