// One turn of a conversation: the user's message and the reply streamed for it (one subtask).
// Pure functions on a single Turn — chunks applied strictly in order, each once; status moves
// forward only. conversation.ts finds the turn a push belongs to.
import type { ChangesOutcome, ChatChunk, ChatDone, PermissionMode, ProtocolError, SubtaskStatus, SubtaskView, TaskChanges, TaskEvent, Usage } from '@wegent/shared';
import { recordsOf, type DecisionRecords } from './approvals';
import type { TurnFile } from './outgoing';
import { isFinalStatus } from './protocol';

/** `sending` is local only: the message left but `chat:send` has not answered yet. */
export type TurnStatus = SubtaskStatus | 'sending';

export interface Turn {
  key: string;
  subtask_id: string | null;
  task_id: string | null;
  device_id: string;
  prompt: string;
  status: TurnStatus;
  queue_position?: number;
  /** Queued behind this turn of the same conversation (it starts when that one ends). */
  after_subtask_id?: string;
  events: TaskEvent[];
  /** The highest seq applied; chunks are applied strictly in order, each once. */
  last_seq: number;
  result?: string;
  error?: ProtocolError;
  /** What the message asked for (chat:start, stored subtask). */
  permission_mode?: PermissionMode;
  /** The backend's records of answered permission requests (approvals.ts), by request id. */
  decisions?: DecisionRecords;
  /** The conversation's changes so far, as the device reported them when this turn ended (change card). */
  changes?: TaskChanges;
  /** Those changes were applied or discarded since (chat:apply, from this chat or another). */
  changes_outcome?: ChangesOutcome;
  /** The model the message asked for (chat:send `model`), when it chose one. */
  model?: string;
  /** What the message carried: name, type, size (and a thumbnail where this page still has it). */
  files?: TurnFile[];
  /** What the reply cost, as its device reported it (chat:done, stored subtask); absent: not reported. */
  usage?: Usage;
  /** Stop was pressed and the reply has not ended yet. */
  stopping?: boolean;
  /** When the message was sent, the device started on it, and the reply ended (ISO times). */
  sent_at?: string;
  started_at?: string;
  finished_at?: string;
}

export function newTurn(key: string, taskId: string | null, deviceId: string, prompt: string, at?: string): Turn {
  return { key, subtask_id: null, task_id: taskId, device_id: deviceId, prompt, status: 'sending', events: [], last_seq: 0, ...(at ? { sent_at: at } : {}) };
}

/** The moment a turn started running, when this is it (the first running status or chunk). */
function startedAt(turn: Turn, at: string | undefined): Partial<Turn> {
  return at && !turn.started_at ? { started_at: at } : {};
}

/** Not yet started on a device: the states a start, an ack or a first chunk may move on from. */
export const isWaiting = (t: Turn): boolean => t.status === 'sending' || t.status === 'pending';

/** Applies a chunk once and in order: old seqs are ignored, a gap leaves the turn for resume. */
export function applyChunk(turn: Turn, chunk: ChatChunk, at?: string): Turn {
  if (chunk.seq !== turn.last_seq + 1) return turn;
  const running = isWaiting(turn) || turn.status === 'queued';
  return {
    ...turn,
    ...startedAt(turn, at),
    events: [...turn.events, ...chunk.events],
    last_seq: chunk.seq,
    status: running ? 'running' : turn.status,
    queue_position: running ? undefined : turn.queue_position,
    after_subtask_id: running ? undefined : turn.after_subtask_id,
  };
}

/** True when a chunk shows that some earlier ones never arrived (resume to fill the gap). */
export function hasGap(turn: Turn | undefined, chunk: ChatChunk): boolean {
  return !!turn && chunk.seq > turn.last_seq + 1;
}

/**
 * True when `chat:done` names chunks this turn has not applied (they were overtaken or lost):
 * applying it would close the stream early, so resume first — the resume answer carries the done.
 */
export function doneIsAhead(turn: Turn | undefined, done: ChatDone): boolean {
  return !!turn && done.last_seq > turn.last_seq;
}

export function applyDone(turn: Turn, e: ChatDone, at?: string): Turn {
  return {
    ...turn, status: e.status, queue_position: undefined, after_subtask_id: undefined, result: e.result, error: e.error, stopping: undefined,
    ...(e.changes ? { changes: e.changes } : {}), ...(e.usage ? { usage: e.usage } : {}), ...(at && !turn.finished_at ? { finished_at: at } : {}),
  };
}

/** A status push between start and done; a finished turn is never reopened. */
export function applyStatus(turn: Turn, status: SubtaskStatus, queuePosition?: number, at?: string): Turn {
  if (isFinalStatus(turn.status)) return turn;
  return { ...turn, status, queue_position: queuePosition, after_subtask_id: undefined, ...(status === 'running' ? startedAt(turn, at) : {}) };
}

/** How long the reply took, in ms: from the device starting (else the send) to its end. */
export function replyDurationMs(turn: Turn): number | undefined {
  const from = turn.started_at ?? turn.sent_at;
  if (!from || !turn.finished_at) return undefined;
  const ms = Date.parse(turn.finished_at) - Date.parse(from);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/** A stored subtask (GET /api/tasks/:id) as a turn: its chunks sorted and applied once each. */
export function turnFromSubtask(s: SubtaskView): Turn {
  let turn: Turn = {
    key: s.subtask_id, subtask_id: s.subtask_id, task_id: s.task_id, device_id: s.device_id,
    prompt: s.prompt, status: 'pending', events: [], last_seq: 0, sent_at: s.created_at,
    ...(s.started_at ? { started_at: s.started_at } : {}), ...(s.completed_at ? { finished_at: s.completed_at } : {}),
  };
  for (const c of [...s.events].sort((a, b) => a.seq - b.seq)) turn = applyChunk(turn, c);
  return {
    ...turn, status: s.status, result: s.result ?? undefined, error: s.error ?? undefined,
    ...(s.permission_mode ? { permission_mode: s.permission_mode } : {}),
    ...(s.model ? { model: s.model } : {}),
    ...(s.permission_decisions?.length ? { decisions: recordsOf(s.permission_decisions) } : {}),
    ...(s.changes ? { changes: s.changes } : {}),
    ...(s.changes_outcome ? { changes_outcome: s.changes_outcome } : {}),
    ...(s.attachments?.length ? { files: s.attachments } : {}),
    ...(s.usage ? { usage: s.usage } : {}),
  };
}
