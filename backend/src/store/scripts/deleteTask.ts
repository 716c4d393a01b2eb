// Deletes a conversation's record, turn list and held follow-ups, and its place in the owner's
// list, atomically (lua/deleteTask-4.lua) — unless its turns changed since they were read (false).
import { keys } from '../keys';
import { defineScript } from '../script';

export const deleteTask = defineScript(
  'deleteTask-4',
  (i: { userId: string; taskId: string; turns: number }) => ({
    keys: [keys.task(i.taskId), keys.taskSubtasks(i.taskId), keys.taskHeld(i.taskId), keys.userTasks(i.userId)],
    args: [i.taskId, i.turns],
  }),
  (reply) => reply === 1,
);
