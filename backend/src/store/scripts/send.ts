// chat:send in one round trip (lua/send-8.lua): the checks, the records, the slot or queue place
// and the conversation link. Refused sends write nothing.
import { keys } from '../keys';
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
}

export type SendOutcome =
  | { result: 'nodevice' }
  | { result: 'offline' | 'notask' | 'full'; name: string }
  | { result: 'ok'; name: string; queuePosition: number; promoted: string[]; queue: string[] };

export const send = defineScript(
  'send-8',
  ({ subtask: s, newTask, checkOwner, maxQueue, defaultSlots }: SendInput) => ({
    keys: [
      keys.device(s.device_id), keys.deviceOnline(s.device_id), keys.task(s.task_id), keys.subtask(s.subtask_id),
      keys.taskSubtasks(s.task_id), keys.userTasks(s.user_id), keys.deviceSlots(s.device_id), keys.deviceQueue(s.device_id),
    ],
    args: [
      s.user_id, checkOwner ? '1' : '0', newTask ? '1' : '0', s.subtask_id, s.task_id, maxQueue, defaultSlots, Date.now(),
      ...pairs(newTask ? encodeTask({ task_id: s.task_id, user_id: s.user_id, title: s.prompt.slice(0, 120), created_at: s.created_at }) : []),
      ...pairs(encodeTask({ device_id: s.requested_device, updated_at: s.created_at, last_subtask_id: s.subtask_id })),
      ...pairs(encodeSubtask(s)),
    ],
  }),
  (reply): SendOutcome => {
    const r = reply as [string, string?, number?, unknown?, unknown?];
    const result = String(r[0]);
    if (result === 'nodevice') return { result };
    if (result === 'ok') return { result, name: String(r[1]), queuePosition: Number(r[2]), promoted: strings(r[3]), queue: strings(r[4]) };
    return { result: result as 'offline' | 'notask' | 'full', name: String(r[1] ?? '') };
  },
);
