// Mirrors a subtask's state onto its conversation (lua/touchTask-3.lua), for the task list; a
// final turn lets go of the conversation and answers the follow-up that holds it now (or null).
import { isFinalStatus } from '@wegent/shared';
import { keys } from '../keys';
import { encodeTask, type SubtaskRecord } from '../records';
import { defineScript, pairs } from '../script';

export const touchTask = defineScript(
  'touchTask-3',
  (s: Pick<SubtaskRecord, 'subtask_id' | 'task_id' | 'user_id' | 'status' | 'session_id'>) => ({
    keys: [keys.task(s.task_id), keys.userTasks(s.user_id), keys.taskHeld(s.task_id)],
    args: [s.subtask_id, s.task_id, Date.now(), s.status, isFinalStatus(s.status) ? '1' : '0', ...pairs(encodeTask({ updated_at: new Date().toISOString(), session_id: s.session_id }))],
  }),
  (reply) => (typeof reply === 'string' && reply ? reply : null),
);
