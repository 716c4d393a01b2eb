// chat:send in one round trip (lua/send-10.lua): the checks, the records, the slot or queue place
// and the conversation link. Refused sends write nothing. A send to the cloud pool crosses homes
// (the pool device's and the user's, keys.ts), so it takes two steps: sendPool-5, attachTurn-4 (a
// follow-up a third when it holds its conversation at once: enqueue-5). A follow-up sent while
// another turn of its conversation holds it is 'held': recorded, waiting for that turn, off any queue.
import { idHome, keys, userHome } from '../keys';
import { encodeNewSubtask, encodeTask, type SubtaskRecord } from '../records';
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
  | { result: 'ok'; name: string; queuePosition: number; promoted: string[]; queue: string[]; load?: DeviceLoad }
  | { result: 'held'; name: string; /** the turn of the conversation it waits for */ after: string };

/** A device's load as a step that changed its slots left it (send-10, finish-6): for its device:status. */
export interface DeviceLoad {
  slotsUsed: number;
  maxSlots: number;
  defaultDeviceId: string | null;
  name: string;
}

export const send = defineScript(
  'send-10',
  ({ subtask: s, newTask, checkOwner, maxQueue, defaultSlots, maxTasks }: SendInput) => ({
    keys: [
      keys.device(userHome(s.user_id), s.device_id), keys.deviceOnline(userHome(s.user_id), s.device_id), keys.task(s.task_id), keys.subtask(s.subtask_id),
      keys.taskSubtasks(s.task_id), keys.userTasks(s.user_id), keys.deviceSlots(userHome(s.user_id), s.device_id), keys.deviceQueue(userHome(s.user_id), s.device_id),
      keys.taskHeld(s.task_id), keys.userDefaultDevice(s.user_id),
    ],
    args: [
      s.user_id, checkOwner ? '1' : '0', newTask ? '1' : '0', s.subtask_id, s.task_id, maxQueue, defaultSlots, Date.now(), maxTasks ?? 0,
      ...taskLists(s, newTask),
      ...pairs(encodeNewSubtask(s)),
    ],
  }),
  (reply): SendOutcome => {
    const r = reply as [string, string?, number?, unknown?, unknown?, unknown?];
    const result = String(r[0]);
    if (result === 'nodevice') return { result };
    if (result === 'toomany') return { result, count: Number(r[2]) };
    if (result === 'held') return { result, name: String(r[1]), after: String(r[2]) };
    if (result === 'ok') return { result, name: String(r[1]), queuePosition: Number(r[2]), promoted: strings(r[3]), queue: strings(r[4]), ...decodeLoad(r[5]) };
    return { result: result as 'offline' | 'notask' | 'full', name: String(r[1] ?? ''), ...(r[2] ? { disconnectedAt: String(r[2]) } : {}) };
  },
);

/** A script's `load` reply ({slots used, max slots, default device or '', name}, or nothing). */
export function decodeLoad(raw: unknown): { load?: DeviceLoad } {
  if (!Array.isArray(raw)) return {};
  return { load: { slotsUsed: Number(raw[0]), maxSlots: Number(raw[1]), defaultDeviceId: raw[2] ? String(raw[2]) : null, name: String(raw[3]) } };
}

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
  ({ subtask: s, newTask, maxQueue, defaultSlots }: Omit<SendInput, 'checkOwner'>) => {
    const home = idHome(s.subtask_id);
    return {
      keys: [keys.device(home, s.device_id), keys.deviceOnline(home, s.device_id), keys.subtask(s.subtask_id), keys.deviceSlots(home, s.device_id), keys.deviceQueue(home, s.device_id)],
      // A follow-up is parked: whether it may take a slot is decided at its conversation (step 2).
      args: [s.subtask_id, maxQueue, defaultSlots, newTask ? '0' : '1', ...pairs(encodeNewSubtask(s))],
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

export type AttachOutcome = { result: 'ok' | 'notask' | 'take' } | { result: 'held'; after: string };

/** Cloud step 2, at the user's home: the turn joins its conversation ('take': a parked follow-up holds it now). */
export const attachTurn = defineScript(
  'attachTurn-4',
  (i: { subtask: SubtaskRecord; newTask: boolean; status: 'pending' | 'queued' }) => {
    const s = i.subtask;
    return {
      keys: [keys.task(s.task_id), keys.taskSubtasks(s.task_id), keys.userTasks(s.user_id), keys.taskHeld(s.task_id)],
      args: [s.user_id, i.newTask ? '1' : '0', s.subtask_id, s.task_id, Date.now(), i.status, ...taskLists(s, i.newTask)],
    };
  },
  (reply): AttachOutcome => {
    const r = reply as string[];
    return r[0] === 'held' ? { result: 'held', after: String(r[1]) } : { result: r[0] as 'ok' | 'notask' | 'take' };
  },
);

export type EnqueueOutcome = { result: 'gone' } | { result: 'offline' } | { result: 'ok'; queuePosition: number; promoted: string[]; queue: string[] };

/** A follow-up that waited now holds its conversation: a slot or the end of its device's queue (at the device's home). */
export const enqueue = defineScript(
  'enqueue-5',
  (i: { subtaskId: string; deviceId: string; defaultSlots: number }) => {
    const home = idHome(i.subtaskId);
    return {
      keys: [keys.subtask(i.subtaskId), keys.device(home, i.deviceId), keys.deviceOnline(home, i.deviceId), keys.deviceSlots(home, i.deviceId), keys.deviceQueue(home, i.deviceId)],
      args: [i.subtaskId, i.defaultSlots],
    };
  },
  (reply): EnqueueOutcome => {
    const r = reply as unknown[];
    if (r[0] !== 'ok') return { result: r[0] === 'gone' ? 'gone' : 'offline' };
    return { result: 'ok', queuePosition: Number(r[1]), promoted: strings(r[2]), queue: strings(r[3]) };
  },
);
