// A subtask's final status, once (lua/finish-6.lua): the slot or queue place it held is freed and,
// when asked, refilled from the queue in the same step.
import type { CompleteStatus, ProtocolError, TaskChanges, Usage } from '@wegent/shared';
import { idHome, keys } from '../keys';
import { decodeSubtask, encodeSubtask, type SubtaskRecord } from '../records';
import { defineScript, hash, pairs, strings } from '../script';
import { decodeLoad, type DeviceLoad } from './send';

export interface FinishInput {
  subtaskId: string;
  deviceId: string;
  status: CompleteStatus;
  /** Only this device may finish it ('' or absent: any). */
  expectedDevice?: string;
  /** The completion says this many seqs were sent; fewer arrived → 'gap'. */
  requiredLastSeq?: number;
  /** Fill the freed slot from the queue (false when the whole device is being failed). */
  pump: boolean;
  defaultSlots: number;
  result?: string;
  error?: ProtocolError;
  sessionId?: string;
  usage?: Usage;
  changes?: TaskChanges;
  /** The device's owner, when known (an own device: the subtask's user): the step answers its load. */
  ownerId?: string;
}

export type FinishOutcome =
  | { outcome: 'notfound' | 'already' }
  | { outcome: 'gap'; lastSeq: number }
  | { outcome: 'done'; wasInSlot: boolean; record: SubtaskRecord; promoted: string[]; queue: string[]; load?: DeviceLoad };

export const finish = defineScript(
  'finish-6',
  (i: FinishInput) => {
    const home = idHome(i.subtaskId);
    return {
      keys: [
        keys.subtask(i.subtaskId), keys.deviceSlots(home, i.deviceId), keys.deviceQueue(home, i.deviceId), keys.device(home, i.deviceId),
        keys.deviceOnline(home, i.deviceId), i.ownerId ? keys.userDefaultDevice(i.ownerId) : keys.device(home, i.deviceId),
      ],
      args: [
        i.subtaskId, i.expectedDevice ?? '', i.requiredLastSeq ?? -1, i.pump ? '1' : '0', i.defaultSlots, i.ownerId ? '1' : '0',
        ...pairs(encodeSubtask({
          status: i.status, completed_at: new Date().toISOString(), result: i.result, error: i.error, session_id: i.sessionId, usage: i.usage, changes: i.changes,
        })),
      ],
    };
  },
  (reply): FinishOutcome => {
    const r = reply as unknown[];
    const outcome = String(r[0]);
    if (outcome === 'gap') return { outcome, lastSeq: Number(r[1]) };
    if (outcome !== 'done') return { outcome: outcome as 'notfound' | 'already' };
    return { outcome, wasInSlot: Number(r[1]) === 1, record: decodeSubtask(hash(r[2]))!, promoted: strings(r[3]), queue: strings(r[4]), ...decodeLoad(r[5]) };
  },
);
