-- The steps of a chat:send, shared by send-8 (a user's own device: one script, one slot) and the
-- cloud pool's two steps (sendPool-5 at the pool device's home, then attachTurn-3 at the user's).
--- @include "pairs"
--- @include "device"
--- @include "task"
--- @include "subtask"
--- @include "pump"

-- The device side's checks: → the device and its slot count, or the refusal to return.
local function turn_check(device, online, slots, queue, user, check_owner, max_queue, default_slots)
  local d = device_identity(device)
  if not d or (check_owner and d.user_id ~= user) then return nil, nil, {'nodevice'} end
  if redis.call('EXISTS', online) == 0 then return nil, nil, {'offline', d.name} end
  -- Its executor is gone (crashed, killed, cut off) though the TTL keeps it reclaimable: a new turn
  -- would only wait for it, so it is refused now, saying so.
  if d.disconnected_at then return nil, nil, {'offline', d.name, d.disconnected_at} end
  local max = d.max_slots
  if max <= 0 then max = default_slots end
  local qlen = redis.call('LLEN', queue)
  if (redis.call('SCARD', slots) >= max or qlen > 0) and qlen >= max_queue then return nil, nil, {'full', d.name} end
  return d, max, nil
end

-- Creates the subtask and takes a slot or a queue place: → status, queue position (0 = a slot),
-- the promoted ids, the queue as it stands when any were promoted.
local function turn_take(sub, slots, queue, sid, max, subtask_fields)
  hset_list(sub, subtask_fields)
  -- Nobody waits and a slot is free: it takes the slot, as the pump would, in one call instead of
  -- eight (the common case of every send; each call is a real share of the script's time).
  if redis.call('LLEN', queue) == 0 and redis.call('SCARD', slots) < max then
    redis.call('SADD', slots, sid)
    return 'pending', 0, {sid}, {}
  end
  redis.call('RPUSH', queue, sid)
  local promoted = pump(slots, queue, max)
  local pos = 0
  local status = 'pending'
  if redis.call('SISMEMBER', slots, sid) == 0 then
    status = 'queued'
    subtask_set_status(sub, status)
    pos = redis.call('LPOS', queue, sid) + 1
  end
  local waiting = {}
  if #promoted > 0 then waiting = redis.call('LRANGE', queue, 0, -1) end
  return status, pos, promoted, waiting
end

-- Attaches the turn to its conversation (created when new).
local function turn_attach(task, task_subs, user_tasks, new_task, sid, tid, now_ms, status, task_create, task_update)
  -- A new conversation's record and the update in one write.
  if new_task then for _, v in ipairs(task_update) do task_create[#task_create + 1] = v end end
  hset_list(task, new_task and task_create or task_update)
  task_set_status(task, status)
  redis.call('RPUSH', task_subs, sid)
  redis.call('ZADD', user_tasks, now_ms, tid)
end
