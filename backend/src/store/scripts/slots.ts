// The slot steps around an execution (lua/pump-3, markRunning-2, requeueHead-3): refill free
// slots, mark an acknowledged subtask running, put a refused one back at the queue head.
import { idHome, keys } from '../keys';
import { defineScript, strings } from '../script';

export const pump = defineScript(
  'pump-3',
  (i: { home: string; deviceId: string; defaultSlots: number }) => ({
    keys: [keys.deviceSlots(i.home, i.deviceId), keys.deviceQueue(i.home, i.deviceId), keys.device(i.home, i.deviceId)],
    args: [i.defaultSlots],
  }),
  (reply) => {
    const [promoted, queue] = reply as [unknown, unknown];
    return { promoted: strings(promoted), queue: strings(queue) };
  },
);

export type MarkRunning = 'ok' | 'already' | 'final' | 'notslot';

export const markRunning = defineScript(
  'markRunning-2',
  (i: { subtaskId: string; deviceId: string }) => ({
    keys: [keys.subtask(i.subtaskId), keys.deviceSlots(idHome(i.subtaskId), i.deviceId)],
    args: [i.subtaskId, new Date().toISOString()],
  }),
  (reply) => String(reply) as MarkRunning,
);

/** 'ok': back at the head; 'skip': it ended, runs, or no longer holds a slot. */
export const requeueHead = defineScript(
  'requeueHead-3',
  (i: { subtaskId: string; deviceId: string }) => ({
    keys: [keys.subtask(i.subtaskId), keys.deviceSlots(idHome(i.subtaskId), i.deviceId), keys.deviceQueue(idHome(i.subtaskId), i.deviceId)],
    args: [i.subtaskId],
  }),
  (reply) => String(reply) as 'ok' | 'skip',
);
