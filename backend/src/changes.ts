// Change review relayed between a chat and the device that ran the conversation (docs/protocol.md
// "Changes"): `chat:diff` → `task:diff`, `chat:apply` → `task:apply`. Only the owner's conversations;
// an offline device is answered DEVICE_OFFLINE at once; apply waits for no running message
// (TASK_BUSY). The diff goes from the device's ack straight into the chat's ack: it is never
// written to Redis, a log or a metric (code stays on the machine).
import type { RedisClient } from './store/redis';
import {
  ApplyOk, DEVICE_REQUEST_TIMEOUT_MS, DiffOk, ErrorCode, WegentError, isFinalStatus,
  type ChangesOutcome, type ChatApply, type ChatDiff, type UserView,
} from '@wegent/shared';
import type { Devices } from './devices';
import type { Logger } from './log';
import type { ExecuteAnswer, Notifier } from './notifier';
import { idHome, keys } from './store/keys';
import { decodeTask } from './store/records';
import { taskNotFound, type SubtaskRecord, type Tasks } from './tasks';

export class ChangeReview {
  constructor(
    private readonly redis: RedisClient,
    private readonly tasks: Tasks,
    private readonly devices: Devices,
    private readonly notify: Notifier,
    private readonly log: Logger,
    private readonly timeoutMs = DEVICE_REQUEST_TIMEOUT_MS,
  ) {}

  async diff(user: UserView, p: ChatDiff): Promise<DiffOk> {
    const { device } = await this.target(user, p.task_id);
    const answer = await this.notify.review(device, 'task:diff', p.path === undefined ? { task_id: p.task_id } : { task_id: p.task_id, path: p.path }, this.timeoutMs);
    return this.unwrap(answer, DiffOk, 'task:diff', p.task_id);
  }

  async apply(user: UserView, p: ChatApply): Promise<ApplyOk> {
    const { device, subtasks } = await this.target(user, p.task_id);
    const running = subtasks.find((s) => !isFinalStatus(s.status));
    if (running) {
      throw new WegentError(ErrorCode.TASK_BUSY, `A message of this conversation is still ${running.status}; ${p.action} its changes after it ends.`, 409);
    }
    const answer = await this.notify.review(device, 'task:apply', { task_id: p.task_id, action: p.action }, this.timeoutMs);
    const ok = this.unwrap(answer, ApplyOk, 'task:apply', p.task_id);
    this.log.info({ taskId: p.task_id, action: p.action, files: ok.files?.length ?? 0 }, 'conversation changes applied or discarded');
    await this.remember(user, subtasks, p.action, ok);
    return ok;
  }

  /**
   * Keeps what became of the conversation's latest change card with its subtask (a reopened
   * conversation shows it as applied or discarded, not as waiting) and tells the owner's other
   * chats. A state and a count only: the file names and the diff stay on the device.
   */
  private async remember(user: UserView, subtasks: SubtaskRecord[], action: ChatApply['action'], ok: ApplyOk): Promise<void> {
    const card = subtasks.findLast((s) => s.changes?.isolation === 'worktree');
    if (!card) return;
    const outcome: ChangesOutcome = { state: action === 'apply' ? 'applied' : 'discarded', files: ok.files?.length ?? card.changes!.files.length, at: new Date().toISOString() };
    // The device has done it: a store that fails now must not turn that into an error for the chat.
    await this.tasks.recordOutcome(card.subtask_id, outcome).catch((err: Error) => this.log.warn({ taskId: card.task_id, reason: err.message }, 'could not keep the outcome of a change card'));
    this.notify.toUser(user.id, 'chat:changes_decided', { task_id: card.task_id, subtask_id: card.subtask_id, ...outcome });
  }

  /** The owner's conversation, the device that ran its latest message, and every message of it. */
  private async target(user: UserView, taskId: string): Promise<{ device: string; subtasks: SubtaskRecord[] }> {
    const [h, ids] = await Promise.all([this.redis.hgetall(keys.task(taskId)), this.redis.lrange(keys.taskSubtasks(taskId), 0, -1)]);
    const task = decodeTask(h);
    if (!task || task.user_id !== user.id) throw taskNotFound(taskId);
    const subtasks = await this.tasks.getSubtasks(ids);
    const last = subtasks.at(-1);
    if (!last) throw taskNotFound(taskId);
    if (last.requested_device === 'cloud') {
      throw new WegentError(ErrorCode.NOT_ISOLATED, 'This conversation ran on a cloud executor, in a folder of its own: there are no workspace changes to review or apply.', 409);
    }
    if (!(await this.devices.isOnline(idHome(last.subtask_id), last.device_id))) {
      throw new WegentError(ErrorCode.DEVICE_OFFLINE, 'The device that ran this conversation is offline; its changes stay on it until it is back.', 409);
    }
    return { device: last.device_id, subtasks };
  }

  private unwrap<T>(answer: ExecuteAnswer, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }, event: string, taskId: string): T {
    if (answer.kind !== 'ack') {
      throw new WegentError(ErrorCode.DEVICE_OFFLINE, answer.kind === 'nobody'
        ? 'The device that ran this conversation is not connected right now; try again when it is back.'
        : `The device did not answer within ${Math.round(this.timeoutMs / 1000)} s; it may be offline or busy.`, 409);
    }
    if (!answer.ack.ok) throw new WegentError(answer.ack.error.code as ErrorCode, answer.ack.error.message, 409);
    const parsed = schema.safeParse(answer.ack);
    if (!parsed.success) {
      this.log.warn({ taskId, event }, 'device answered change review with a malformed ack');
      throw new WegentError(ErrorCode.EXECUTOR_ERROR, `The device answered ${event} with something this backend cannot read.`, 502);
    }
    return parsed.data;
  }
}
