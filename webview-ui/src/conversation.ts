// The open conversation of the chat store: its task id and turns, and the rules that match what
// arrives (the send ack, chat:start, chunks, done) to the right turn. Pure functions over the slice
// of State they own; state.ts composes them and keeps the history list in step.
import type { TurnFile } from './outgoing';
import type {
  ChatChangesDecided, ChatChunk, ChatDone, ChatPermissionDecided, ChatSendOk, ChatStart, ChatStatus, PermissionMode, ProtocolError, TaskDetail,
} from '@wegent/shared';
import { withDecision } from './approvals';
import { isFinalStatus } from './protocol';
import { applyChunk, applyDone, applyStatus, isWaiting, newTurn, turnFromSubtask, type Turn } from './turns';

export interface ConversationSlice {
  taskId: string | null;
  turns: Turn[];
}

export const emptyConversation: ConversationSlice = { taskId: null, turns: [] };

/** Replaces the turns `match` selects with `change(turn)`; the same array when nothing changed. */
function updateTurns(turns: Turn[], match: (t: Turn) => boolean, change: (t: Turn) => Turn): Turn[] {
  let changed = false;
  const next = turns.map((t) => {
    if (!match(t)) return t;
    const u = change(t);
    if (u !== t) changed = true;
    return u;
  });
  return changed ? next : turns;
}

function withTurns(c: ConversationSlice, turns: Turn[]): ConversationSlice {
  return turns === c.turns ? c : { ...c, turns };
}

function updateBySubtask(c: ConversationSlice, subtaskId: string, change: (t: Turn) => Turn): ConversationSlice {
  return withTurns(c, updateTurns(c.turns, (t) => t.subtask_id === subtaskId, change));
}

export function turnBySubtask(c: ConversationSlice, subtaskId: string): Turn | undefined {
  return c.turns.find((t) => t.subtask_id === subtaskId);
}

export function turnByKey(c: ConversationSlice, key: string): Turn | undefined {
  return c.turns.find((t) => t.key === key);
}

/** Turns still waiting or streaming: what Stop cancels and what a reconnect resumes. */
export function liveTurns(c: ConversationSlice): Turn[] {
  return c.turns.filter((t) => t.subtask_id !== null && t.status !== 'sending' && !isFinalStatus(t.status));
}

export function sendStarted(c: ConversationSlice, key: string, prompt: string, deviceId: string, mode?: PermissionMode, at?: string, model?: string, files?: TurnFile[]): ConversationSlice {
  const asked = { ...(mode ? { permission_mode: mode } : {}), ...(model ? { model } : {}), ...(files?.length ? { files } : {}) };
  return { ...c, turns: [...c.turns, { ...newTurn(key, c.taskId, deviceId, prompt, at), ...asked }] };
}

/** The live turn Stop ends: the one running (or next to run), not a follow-up queued behind it. */
export function stoppableTurn(c: ConversationSlice): Turn | undefined {
  const live = liveTurns(c);
  return live.find((t) => !t.after_subtask_id) ?? live[0];
}

export function sendAcked(c: ConversationSlice, key: string, ack: ChatSendOk): ConversationSlice {
  const turns = updateTurns(c.turns, (t) => t.key === key, (t) => ({
    ...t,
    subtask_id: ack.subtask_id,
    task_id: ack.task_id,
    // A push (start, chunk, done) may have overtaken the ack: never move a turn backwards.
    status: isWaiting(t) ? ack.status : t.status,
    queue_position: isWaiting(t) ? ack.queue_position : t.queue_position,
    after_subtask_id: isWaiting(t) ? ack.after_subtask_id : t.after_subtask_id,
  }));
  return { taskId: c.taskId ?? ack.task_id, turns };
}

export function sendFailed(c: ConversationSlice, key: string, error: ProtocolError): ConversationSlice {
  return withTurns(c, updateTurns(c.turns, (t) => t.key === key, (t) => ({ ...t, status: 'failed', error })));
}

/**
 * `chat:start`: either our own message whose ack is still on its way (adopt the waiting turn), or a
 * message sent to this conversation from another window (add it). `matched` is false when the start
 * belongs to another conversation (the caller updates the history list instead).
 */
export function applyStart(c: ConversationSlice, e: ChatStart, at?: string): { conversation: ConversationSlice; matched: boolean } {
  const status = e.status ?? 'pending';
  if (turnBySubtask(c, e.subtask_id)) {
    const conversation = updateBySubtask(c, e.subtask_id, (t) => (isWaiting(t) ? { ...t, status, queue_position: e.queue_position, after_subtask_id: e.after_subtask_id } : t));
    return { conversation, matched: true };
  }
  const inThisConversation = c.taskId === e.task_id;
  const waiting = c.turns.find(
    (t) => t.status === 'sending' && t.subtask_id === null && t.device_id === e.device_id &&
      (c.taskId === null || inThisConversation) && (e.prompt === undefined || e.prompt === t.prompt),
  );
  if (waiting) {
    const turns = updateTurns(c.turns, (t) => t === waiting, (t) => ({
      ...t, subtask_id: e.subtask_id, task_id: e.task_id, status, queue_position: e.queue_position, after_subtask_id: e.after_subtask_id,
    }));
    return { conversation: { taskId: c.taskId ?? e.task_id, turns }, matched: true };
  }
  if (!inThisConversation) return { conversation: c, matched: false };
  const turn: Turn = {
    ...newTurn(`remote:${e.subtask_id}`, e.task_id, e.device_id, e.prompt ?? '', at),
    subtask_id: e.subtask_id,
    status,
    queue_position: e.queue_position,
    after_subtask_id: e.after_subtask_id,
    ...(e.permission_mode ? { permission_mode: e.permission_mode } : {}),
    ...(e.model ? { model: e.model } : {}),
    ...(e.attachments?.length ? { files: e.attachments } : {}),
  };
  return { conversation: { ...c, turns: [...c.turns, turn] }, matched: true };
}

export function chatStatus(c: ConversationSlice, e: ChatStatus, at?: string): ConversationSlice {
  return updateBySubtask(c, e.subtask_id, (t) => applyStatus(t, e.status, e.queue_position, at));
}

export function chunk(c: ConversationSlice, e: ChatChunk, at?: string): ConversationSlice {
  return updateBySubtask(c, e.subtask_id, (t) => applyChunk(t, e, at));
}

/** Stop was pressed (true) or refused (false): the turn says "Stopping…" until its end arrives. */
export function stopping(c: ConversationSlice, subtaskId: string, on: boolean): ConversationSlice {
  return updateBySubtask(c, subtaskId, (t) => (isFinalStatus(t.status) || !!t.stopping === on ? t : { ...t, stopping: on || undefined }));
}

/** One of the owner's chats answered a permission request of a turn here. */
export function permissionDecided(c: ConversationSlice, e: ChatPermissionDecided): ConversationSlice {
  return updateBySubtask(c, e.subtask_id, (t) => withDecision(t, e));
}

/** A change card of a turn here was applied or discarded (by this chat or another of the owner's). */
export function changesDecided(c: ConversationSlice, e: ChatChangesDecided): ConversationSlice {
  const { task_id: _t, subtask_id: _s, ...outcome } = e;
  return updateBySubtask(c, e.subtask_id, (t) => ({ ...t, changes_outcome: outcome }));
}

export function done(c: ConversationSlice, e: ChatDone, at?: string): ConversationSlice {
  return updateBySubtask(c, e.subtask_id, (t) => applyDone(t, e, at));
}

/** A conversation read back from the backend, and the device its last message went to. */
export function loadConversation(task: TaskDetail): { conversation: ConversationSlice; lastDeviceId: string | null } {
  const last = task.subtasks[task.subtasks.length - 1];
  const turns = task.subtasks.map(turnFromSubtask);
  // A queued turn behind a turn of this conversation that has not ended waits for it (chat:send).
  for (let i = 1; i < turns.length; i++) {
    const before = turns.slice(0, i).find((t) => !isFinalStatus(t.status));
    if (turns[i].status === 'queued' && before?.subtask_id) turns[i] = { ...turns[i], after_subtask_id: before.subtask_id };
  }
  return {
    conversation: { taskId: task.task_id, turns },
    lastDeviceId: last ? last.device_id : task.device_id ?? null,
  };
}
