// One task:progress applied once and in order (lua/progress-3.lua).
import { keys } from '../keys';
import { defineScript } from '../script';

export interface ProgressInput {
  subtaskId: string;
  deviceId: string;
  seq: number;
  /** The chat:chunk as stored and replayed by chat:resume (JSON). */
  chunkJson: string;
}

export type ProgressOutcome =
  | { outcome: 'notfound' | 'final' | 'dup' }
  | { outcome: 'gap'; lastSeq: number }
  | { outcome: 'applied'; started: boolean };

export const progress = defineScript(
  'progress-3',
  (i: ProgressInput) => ({
    keys: [keys.subtask(i.subtaskId), keys.subtaskEvents(i.subtaskId), keys.deviceSlots(i.deviceId)],
    args: [i.deviceId, i.seq, i.chunkJson, new Date().toISOString(), i.subtaskId],
  }),
  (reply): ProgressOutcome => {
    const r = reply as [string, number?];
    if (r[0] === 'gap') return { outcome: 'gap', lastSeq: Number(r[1]) };
    if (r[0] === 'applied') return { outcome: 'applied', started: Number(r[1]) === 1 };
    return { outcome: r[0] as 'notfound' | 'final' | 'dup' };
  },
);
