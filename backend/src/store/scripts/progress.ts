// One task:progress applied once and in order, with the permission requests and decisions among its
// events recorded in the same step, and the subtask's stored stream held to its caps (lua/progress-7.lua),
// after taking the device's task:progress points (dispatch/rate.ts): one round trip for both. It
// also answers whether this node is the only one registered (realtime/peers.ts).
import { idHome, keys } from '../keys';
import { defineScript, pairs } from '../script';

export interface ProgressInput {
  subtaskId: string;
  deviceId: string;
  seq: number;
  /** ISO time of the call (a subtask's started_at when this progress starts it). */
  now: string;
  /** The chat:chunk as stored and replayed by chat:resume (JSON). */
  chunkJson: string;
  /** How many events the chunk carries. */
  eventCount: number;
  /** Caps of the stored stream (config.limits). */
  maxBytes: number;
  maxEvents: number;
  /** The chunk stored (and relayed) at this seq instead when this one would pass a cap. */
  noteJson: string;
  /** The call's task:progress points, and the device's points per second. */
  cost: number;
  points: number;
  /** From approvalOps (scripts/approvals.ts): kind, request id, record JSON, … */
  approvalOps: string[];
  /** This node's id in the nodes registry, or '' when there is none to look at (peers.ts). */
  nodeId: string;
}

export type ProgressOutcome =
  | { outcome: 'limited'; waitMs: number }
  | { outcome: 'notfound' | 'final' | 'dup' | 'dropped' }
  | { outcome: 'gap'; lastSeq: number }
  /** `alone`: no other node is registered, so no other node can hold a chat of this stream. */
  | { outcome: 'applied' | 'cut'; started: boolean; alone: boolean };

export const progress = defineScript(
  'progress-7',
  (i: ProgressInput) => ({
    keys: [
      keys.subtask(i.subtaskId), keys.subtaskEvents(i.subtaskId), keys.deviceSlots(idHome(i.subtaskId), i.deviceId),
      keys.subtaskRequests(i.subtaskId), keys.subtaskDecisions(i.subtaskId),
      keys.deviceProgressRate(idHome(i.subtaskId), i.deviceId),
      // Not looked at when nodeId is '' (a key of this slot: a cluster refuses one elsewhere).
      i.nodeId ? keys.nodes : keys.subtask(i.subtaskId),
    ],
    args: [
      i.deviceId, i.seq, i.chunkJson, i.now, i.subtaskId, i.eventCount, i.maxBytes, i.maxEvents, i.noteJson,
      i.cost, i.points, i.nodeId, ...pairs(i.approvalOps),
    ],
  }),
  (reply): ProgressOutcome => {
    const r = reply as [string, number?, number?];
    if (r[0] === 'limited') return { outcome: 'limited', waitMs: Number(r[1]) };
    if (r[0] === 'gap') return { outcome: 'gap', lastSeq: Number(r[1]) };
    if (r[0] === 'applied' || r[0] === 'cut') return { outcome: r[0], started: Number(r[1]) === 1, alone: Number(r[2]) === 1 };
    return { outcome: r[0] as 'notfound' | 'final' | 'dup' | 'dropped' };
  },
  // With one message in flight per stream this is the only command of its tick: a pipeline of one.
  { unpipelined: true },
);

/** The points of a task:progress refused before the progress script (lua/progressRate-1.lua): 0, or ms to wait. */
export const progressRate = defineScript(
  'progressRate-1',
  (i: { home: string; deviceId: string; cost: number; points: number }) => ({ keys: [keys.deviceProgressRate(i.home, i.deviceId)], args: [i.cost, i.points] }),
  (reply) => Number(reply),
);
