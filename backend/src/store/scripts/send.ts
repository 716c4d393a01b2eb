// chat:send in one round trip (lua/send-8.lua): the checks, the records, the slot or queue place
// and the conversation link. Refused sends write nothing. A send to the cloud pool crosses homes
// (the pool device's and the user's, keys.ts), so it takes two steps: sendPool-5, attachTurn-3.
import { idHome, keys, userHome } from '../keys';
import { encodeSubtask, encodeTask, type SubtaskRecord } from '../records';
import { defineScript, pairs, strings } from '../script';

export interface SendInput {
  /** The new turn, as tasks.newTurn built it (its device_id is the device that will run it). */
  subtask: SubtaskRecord;
  /** A new conversation (false: the turn joins task_id, which must be the user's). */
  newTask: boolean;
  /** Only the chat's own device must belong to the sender; a pool device belongs to the operator. */
  checkOwner: boolean;
  maxQueue: number;
  defaultSlots: number;
  /** A new conversation is refused ('toomany') when the account keeps this many (0: no cap). */
  maxTasks?: number;
}

export type SendOutcome =
  | { result: 'nodevice' }
  | { result: 'offline' | 'notask' | 'full'; name: string; /** offline: when its connection was lost (still within its TTL) */ disconnectedAt?: string }
  | { result: 'toomany'; count: number }
  | { result: 'ok'; name: string; queuePosition: number; promoted: string[]; queue: string[] };

export const send = defineScript(
  'send-8',
  ({ subtask: s, newTask, checkOwner, maxQueue, defaultSlots, maxTasks }: SendInput) => ({
    keys: [
      keys.device(userHome(s.user_id), s.device_id), keys.deviceOnline(userHome(s.user_id), s.device_id), keys.task(s.task_id), keys.subtask(s.subtask_id),
      keys.taskSubtasks(s.task_id), keys.userTasks(s.user_id), keys.deviceSlots(userHome(s.user_id), s.device_id), keys.deviceQueue(userHome(s.user_id), s.device_id),
    ],
    args: [
      s.user_id, checkOwner ? '1' : '0', newTask ? '1' : '0', s.subtask_id, s.task_id, maxQueue, defaultSlots, Date.now(), maxTasks ?? 0,
      ...taskLists(s, newTask),
      ...pairs(encodeSubtask(s)),
    ],
  }),
  (reply): SendOutcome => {
    const r = reply as [string, string?, number?, unknown?, unknown?];
    const result = String(r[0]);
    if (result === 'nodevice') return { result };
    if (result === 'toomany') return { result, count: Number(r[2]) };
    if (result === 'ok') return { result, name: String(r[1]), queuePosition: Number(r[2]), promoted: strings(r[3]), queue: strings(r[4]) };
    return { result: result as 'offline' | 'notask' | 'full', name: String(r[1] ?? ''), ...(r[2] ? { disconnectedAt: String(r[2]) } : {}) };
  },
);

/** The task record when new, and the task's update: two field lists (pairs). */
function taskLists(s: SubtaskRecord, newTask: boolean): (string | number)[] {
  return [
    ...pairs(newTask ? encodeTask({ task_id: s.task_id, user_id: s.user_id, title: s.prompt.slice(0, 120), created_at: s.created_at }) : []),
    ...pairs(encodeTask({ device_id: s.requested_device, updated_at: s.created_at, last_subtask_id: s.subtask_id })),
  ];
}

export type PoolSendOutcome =
  | { result: 'nodevice' }
  | { result: 'offline' | 'full'; name: string; disconnectedAt?: string }
  | { result: 'ok'; name: string; queuePosition: number; promoted: string[]; queue: string[]; status: 'pending' | 'queued' };

/** Cloud step 1, at the pool device's home (the subtask id carries it): checks, record, slot or queue place. */
export const sendPool = defineScript(
  'sendPool-5',
  ({ subtask: s, maxQueue, defaultSlots }: Omit<SendInput, 'newTask' | 'checkOwner'>) => {
    const home = idHome(s.subtask_id);
    return {
      keys: [keys.device(home, s.device_id), keys.deviceOnline(home, s.device_id), keys.subtask(s.subtask_id), keys.deviceSlots(home, s.device_id), keys.deviceQueue(home, s.device_id)],
      args: [s.subtask_id, maxQueue, defaultSlots, ...pairs(encodeSubtask(s))],
    };
  },
  (reply): PoolSendOutcome => {
    const r = reply as [string, string?, number?, unknown?, unknown?, string?];
    const result = String(r[0]);
    if (result === 'nodevice') return { result };
    if (result === 'ok') {
      return { result, name: String(r[1]), queuePosition: Number(r[2]), promoted: strings(r[3]), queue: strings(r[4]), status: r[5] === 'queued' ? 'queued' : 'pending' };
    }
    return { result: result as 'offline' | 'full', name: String(r[1] ?? ''), ...(r[2] ? { disconnectedAt: String(r[2]) } : {}) };
  },
);

/** Cloud step 2, at the user's home: the turn joins its conversation. */
export const attachTurn = defineScript(
  'attachTurn-3',
  (i: { subtask: SubtaskRecord; newTask: boolean; status: 'pending' | 'queued' }) => {
    const s = i.subtask;
    return {
      keys: [keys.task(s.task_id), keys.taskSubtasks(s.task_id), keys.userTasks(s.user_id)],
      args: [s.user_id, i.newTask ? '1' : '0', s.subtask_id, s.task_id, Date.now(), i.status, ...taskLists(s, i.newTask)],
    };
  },
  (reply) => String(reply) as 'ok' | 'notask',
);
