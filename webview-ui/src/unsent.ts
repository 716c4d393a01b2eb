// Messages the backend refused (Cloud had no executor, the device was offline, the queue full…)
// were never stored with their conversation; the page keeps them by conversation, so a reopened
// conversation still shows what was tried and why it failed. Bounded; saved with the UI state.
import type { Turn } from './turns';

export type Unsent = Record<string, Turn[]>;

const MAX_CONVERSATIONS = 20;
const MAX_PER_CONVERSATION = 10;

/** The failed turn, remembered under its conversation (a first message has none: nothing to keep). */
export function remember(unsent: Unsent, turn: Turn | undefined): Unsent {
  if (!turn?.task_id || turn.subtask_id !== null || turn.status !== 'failed') return unsent;
  const { [turn.task_id]: mine = [], ...others } = unsent;
  const kept = Object.entries(others).slice(-(MAX_CONVERSATIONS - 1));
  const slim: Turn = { ...turn, events: [], decisions: undefined };
  return { ...Object.fromEntries(kept), [turn.task_id]: [...mine.filter((t) => t.key !== turn.key), slim].slice(-MAX_PER_CONVERSATION) };
}

export function forget(unsent: Unsent, taskId: string | null, key: string): Unsent {
  if (!taskId || !unsent[taskId]?.some((t) => t.key === key)) return unsent;
  const rest = unsent[taskId].filter((t) => t.key !== key);
  const { [taskId]: _gone, ...others } = unsent;
  return rest.length ? { ...others, [taskId]: rest } : others;
}

/** The stored turns with the refused ones put back where they were sent (by time). */
export function interleave(stored: Turn[], refused: Turn[] | undefined): Turn[] {
  if (!refused?.length) return stored;
  const at = (t: Turn) => (t.sent_at ? Date.parse(t.sent_at) : Number.MAX_SAFE_INTEGER);
  return [...stored, ...refused].map((t, i) => ({ t, i })).sort((a, b) => at(a.t) - at(b.t) || a.i - b.i).map(({ t }) => t);
}
