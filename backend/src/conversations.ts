// Deleting a conversation (DELETE /api/tasks/:id, docs/protocol.md "Deleting a conversation"): its
// records go at once; each device that ran it is told in its next heartbeat or register ack
// (`forget_task_ids`), removes the conversation's worktree and branch, and confirms in a heartbeat
// (`forgotten_task_ids`). A device that is offline when the conversation is deleted cleans up when
// it is back; one that never comes back leaves a key that expires. The heartbeat and register
// scripts read and trim the set (store/lua/heartbeat-5.lua, reregister-7.lua).
import { CLOUD_DEVICE_ID, ErrorCode, WegentError, isFinalStatus } from '@wegent/shared';
import type { RedisClient } from './store/redis';
import { idHome, keys } from './store/keys';
import { decodeTask } from './store/records';
import { deleteTask } from './store/scripts/deleteTask';
import { taskNotFound, type Tasks } from './tasks';

/** How long a device that ran a deleted conversation is told to forget it, if it never confirms. */
const FORGET_KEEP_S = 90 * 24 * 3600;

export class Conversations {
  constructor(private readonly redis: RedisClient, private readonly tasks: Tasks) {}

  /** Deletes the owner's conversation with every turn, stream and approval; TASK_BUSY while one of its messages is not over. */
  async delete(userId: string, taskId: string): Promise<void> {
    const [h, ids, held] = await Promise.all([this.redis.hgetall(keys.task(taskId)), this.tasks.turnIds(taskId), this.redis.llen(keys.taskHeld(taskId))]);
    const task = decodeTask(h);
    if (!task || task.user_id !== userId) throw taskNotFound(taskId);
    const turns = await this.tasks.getSubtasks(ids);
    const open = turns.find((s) => !isFinalStatus(s.status));
    if (open || held > 0) {
      throw new WegentError(ErrorCode.TASK_BUSY, `A message of this conversation is still ${open?.status ?? 'waiting'}; stop it first, then delete the conversation.`, 409);
    }
    // The conversation goes in one step (a follow-up sent meanwhile makes it busy, or finds nothing),
    // then its turns' records.
    if (!(await deleteTask(this.redis, { userId, taskId, turns: ids.length }))) {
      throw new WegentError(ErrorCode.TASK_BUSY, 'A message was just sent to this conversation; delete it after that one ends.', 409);
    }
    const records = ids.flatMap((id) => [keys.subtask(id), keys.subtaskEvents(id), keys.subtaskRequests(id), keys.subtaskDecisions(id)]);
    // One key per command: on a Redis Cluster a subtask may live in another slot than its conversation.
    await Promise.all(records.map((k) => this.redis.unlink(k)));
    const devices = new Map<string, string>();
    for (const s of turns) if (s.requested_device !== CLOUD_DEVICE_ID) devices.set(s.device_id, idHome(s.subtask_id));
    await Promise.all([...devices].map(async ([deviceId, home]) => {
      const key = keys.deviceForget(home, deviceId);
      await this.redis.sadd(key, taskId);
      await this.redis.expire(key, FORGET_KEEP_S);
    }));
  }
}
