// One task:progress applied once and in order, with the permission requests and decisions among its
// events recorded in the same step, and the subtask's stored stream held to its caps (lua/progress-5.lua).
import { idHome, keys } from '../keys';
import { defineScript, pairs } from '../script';

export interface ProgressInput {
  subtaskId: string;
  deviceId: string;
  seq: number;
  /** The chat:chunk as stored and replayed by chat:resume (JSON). */
  chunkJson: string;
  /** How many events the chunk carries. */
  eventCount: number;
  /** Caps of the stored stream (config.limits). */
  maxBytes: number;
  maxEvents: number;
  /** The chunk stored (and relayed) at this seq instead when this one would pass a cap. */
  noteJson: string;
  /** From approvalOps (scripts/approvals.ts): kind, request id, record JSON, … */
  approvalOps: string[];
}

export type ProgressOutcome =
  | { outcome: 'notfound' | 'final' | 'dup' | 'dropped' }
  | { outcome: 'gap'; lastSeq: number }
  | { outcome: 'applied' | 'cut'; started: boolean };

export const progress = defineScript(
  'progress-5',
  (i: ProgressInput) => ({
    keys: [
      keys.subtask(i.subtaskId), keys.subtaskEvents(i.subtaskId), keys.deviceSlots(idHome(i.subtaskId), i.deviceId),
      keys.subtaskRequests(i.subtaskId), keys.subtaskDecisions(i.subtaskId),
    ],
    args: [
      i.deviceId, i.seq, i.chunkJson, new Date().toISOString(), i.subtaskId, i.eventCount, i.maxBytes, i.maxEvents, i.noteJson,
      ...pairs(i.approvalOps),
    ],
  }),
  (reply): ProgressOutcome => {
    const r = reply as [string, number?];
    if (r[0] === 'gap') return { outcome: 'gap', lastSeq: Number(r[1]) };
    if (r[0] === 'applied' || r[0] === 'cut') return { outcome: r[0], started: Number(r[1]) === 1 };
    return { outcome: r[0] as 'notfound' | 'final' | 'dup' | 'dropped' };
  },
);
