// The note a subtask's stream ends with when it passed its stored-output cap (config.limits): the
// chats show it in place of the output that was not kept, so a cut stream never looks complete.
import type { TaskEvent } from '@wegent/shared';
import type { Limits } from './config';

const mb = (bytes: number) => `${Math.round(bytes / 100_000) / 10} MB`;

export function truncationNote(cap: Pick<Limits, 'subtaskEventBytes' | 'subtaskEvents'>): TaskEvent {
  return {
    type: 'status',
    text: `Output truncated: this task streamed more than this backend keeps for one message (${mb(cap.subtaskEventBytes)} or ${cap.subtaskEvents} events). The rest of its output is not shown; its final result still arrives when it finishes.`,
  };
}
