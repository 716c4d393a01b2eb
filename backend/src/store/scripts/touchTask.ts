// Mirrors a subtask's state onto its conversation (lua/touchTask-2.lua), for the task list.
import { keys } from '../keys';
import { encodeTask, type SubtaskRecord } from '../records';
import { defineScript, pairs } from '../script';

export const touchTask = defineScript(
  'touchTask-2',
  (s: Pick<SubtaskRecord, 'subtask_id' | 'task_id' | 'user_id' | 'status' | 'session_id'>) => ({
    keys: [keys.task(s.task_id), keys.userTasks(s.user_id)],
    args: [s.subtask_id, s.task_id, Date.now(), s.status, ...pairs(encodeTask({ updated_at: new Date().toISOString(), session_id: s.session_id }))],
  }),
  () => undefined,
);
