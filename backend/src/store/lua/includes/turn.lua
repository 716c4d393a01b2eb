-- The steps of a chat:send, shared by send-8 (a user's own device: one script, one slot) and the
-- cloud pool's two steps (sendPool-5 at the pool device's home, then attachTurn-3 at the user's).
--- @include "pairs"
--- @include "device"
--- @include "task"
--- @include "subtask"
--- @include "pump"

-- The device side's checks: → the device, its slot count, nil (or the refusal to return), and the
-- queue's length and the slots in use as read (turn_take goes on from them: nothing in between
-- changes them, and each call is a real share of a cold script's time, docs/performance.md).
local function turn_check(device, online, slots, queue, user, check_owner, max_queue, default_slots)
  local d = device_identity(device)
  if not d or (check_owner and d.user_id ~= user) then return nil, nil, {'nodevice'} end
  if redis.call('EXISTS', online) == 0 then return nil, nil, {'offline', d.name} end
  -- Its executor is gone (crashed, killed, cut off) though the TTL keeps it reclaimable: a new turn
  -- would only wait for it, so it is refused now, saying so.
  if d.disconnected_at then return nil, nil, {'offline', d.name, d.disconnected_at} end
  local max = d.max_slots
  if max <= 0 then max = default_slots end
  local qlen, used = redis.call('LLEN', queue), redis.call('SCARD', slots)
  if (used >= max or qlen > 0) and qlen >= max_queue then return nil, nil, {'full', d.name} end
  return d, max, nil, qlen, used
end

-- Creates the subtask and takes a slot or a queue place: → status, queue position (0 = a slot),
-- the promoted ids, the queue as it stands when any were promoted. `qlen` and `used`: as turn_check read them.
local function turn_take(sub, slots, queue, sid, max, subtask_fields, qlen, used)
  hset_list(sub, subtask_fields)
  -- Nobody waits and a slot is free: it takes the slot, as the pump would, in one call instead of
  -- eight (the common case of every send; each call is a real share of the script's time).
  if qlen == 0 and used < max then
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

-- A turn joins its conversation (`new_task`: none exists yet): → false when the follow-up is not
-- `user`'s conversation, else the turn that holds it, if any (nil: this one will), this one then
-- waiting behind it at the end of `held`.
local function turn_join(task, held, sid, new_task, user)
  if new_task then return nil end
  local owner, busy = task_turn_state(task)
  if owner ~= user then return false end
  if busy then redis.call('RPUSH', held, sid) end
  return busy or nil
end

-- Attaches the turn to its conversation (created when new); `holds`: the turn now holds it.
local function turn_attach(task, task_subs, user_tasks, new_task, sid, tid, now_ms, status, task_create, task_update, holds)
  -- A new conversation's record, the update, its status and its holder in one write.
  if new_task then for _, v in ipairs(task_update) do task_create[#task_create + 1] = v end end
  hset_list(task, task_turn_fields(new_task and task_create or task_update, status, holds and sid))
  redis.call('RPUSH', task_subs, sid)
  redis.call('ZADD', user_tasks, now_ms, tid)
end
