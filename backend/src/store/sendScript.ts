// chat:send's whole write path as one Lua script: check the device (owner, online) and the
// conversation, refuse a full queue, create the records, take a slot or a queue place, and attach
// the turn to its conversation. One round trip before task:execute leaves instead of four
// (bench/trace.ts), and a refused send leaves no trace because nothing is written before the checks.
import { DEFAULT_SLOTS } from '@wegent/shared';
import { keys, KEY_PREFIX } from './keys';
import { FINAL, PUMP } from './luaParts';
import type { Scripts } from './scripts';

/** KEYS: device, online, task, subtask, task_subtasks, user_tasks, slots, queue, queued_devices.
 *  ARGV: user_id, device_id, requested_device, task_id, new_task ('1'|'0'), subtask_id, prompt, title,
 *  now_iso, now_ms, max_queue, prefix, check_owner ('1'|'0'), default_slots
 *  → {'nodevice'} | {'offline', name} | {'notask', name} | {'full', name}
 *  | {'ok', name, queue_position (0 = took a slot), promoted ids...} */
export const send = `
${FINAL}
local ARGV_PREFIX = ARGV[12]
${PUMP}
local device, online, task, sub, task_subs, user_tasks, slots, queue = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local user, device_id, requested, tid, new_task, sid = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5] == '1', ARGV[6]
local now = ARGV[9]
local d = redis.call('HMGET', device, 'device_id', 'user_id', 'name', 'max_slots')
if not d[1] or not d[2] or not d[3] or (ARGV[13] == '1' and d[2] ~= user) then return {'nodevice'} end
local name = d[3]
if redis.call('EXISTS', online) == 0 then return {'offline', name} end
if not new_task and redis.call('HGET', task, 'user_id') ~= user then return {'notask', name} end
local max = tonumber(d[4]) or 0
if max <= 0 then max = tonumber(ARGV[14]) end
local qlen = redis.call('LLEN', queue)
if (redis.call('SCARD', slots) >= max or qlen > 0) and qlen >= tonumber(ARGV[11]) then return {'full', name} end
if new_task then
  redis.call('HSET', task, 'task_id', tid, 'user_id', user, 'title', ARGV[8], 'created_at', now, 'device_id', requested, 'status', 'pending', 'updated_at', now)
end
redis.call('HSET', sub, 'subtask_id', sid, 'task_id', tid, 'user_id', user, 'device_id', device_id, 'requested_device', requested,
  'prompt', ARGV[7], 'status', 'pending', 'created_at', now, 'last_seq', '0', 'in_slot', '0')
redis.call('RPUSH', queue, sid)
local promoted = pump(slots, queue, max)
local pos = 0
local status = 'pending'
if redis.call('SISMEMBER', slots, sid) == 0 then
  status = 'queued'
  redis.call('HSET', sub, 'status', status)
  redis.call('SADD', KEYS[9], device_id)
  pos = redis.call('LPOS', queue, sid) + 1
end
redis.call('HSET', task, 'device_id', requested, 'status', status, 'updated_at', now, 'last_subtask_id', sid)
redis.call('RPUSH', task_subs, sid)
redis.call('ZADD', user_tasks, ARGV[10], tid)
local out = {'ok', name, pos}
for _, p in ipairs(promoted) do table.insert(out, p) end
return out`;

export interface SendInput {
  userId: string;
  /** The device that will run it (for "cloud", the pool device already picked). */
  deviceId: string;
  /** What the chat asked for: the device id or "cloud". */
  requestedDevice: string;
  /** Only the chat's own device must belong to the sender; a pool device belongs to the operator. */
  checkOwner: boolean;
  taskId: string;
  newTask: boolean;
  subtaskId: string;
  prompt: string;
  nowIso: string;
  maxQueue: number;
}

export type SendOutcome =
  | { result: 'nodevice' }
  | { result: 'offline' | 'notask' | 'full'; name: string }
  | { result: 'ok'; name: string; queuePosition: number; promoted: string[] };

export async function runSend(scripts: Scripts, i: SendInput): Promise<SendOutcome> {
  const res = await scripts.run<(string | number)[]>(
    'send',
    [
      keys.device(i.deviceId), keys.deviceOnline(i.deviceId), keys.task(i.taskId), keys.subtask(i.subtaskId),
      keys.taskSubtasks(i.taskId), keys.userTasks(i.userId), keys.deviceSlots(i.deviceId), keys.deviceQueue(i.deviceId),
      keys.queuedDevices,
    ],
    [
      i.userId, i.deviceId, i.requestedDevice, i.taskId, i.newTask ? '1' : '0', i.subtaskId, i.prompt, i.prompt.slice(0, 120),
      i.nowIso, Date.now(), i.maxQueue, KEY_PREFIX, i.checkOwner ? '1' : '0', DEFAULT_SLOTS,
    ],
  );
  const [result, name] = [String(res[0]), String(res[1] ?? '')];
  if (result === 'nodevice') return { result };
  if (result === 'ok') return { result, name, queuePosition: Number(res[2]), promoted: res.slice(3).map(String) };
  return { result: result as 'offline' | 'notask' | 'full', name };
}
