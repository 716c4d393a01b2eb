// The tasks this device runs, from task:execute to task:complete: taken when a slot is free (a
// resend of one it has is acked again, never run twice), run (taskExecution.ts), their outcome and
// changes reported through the outbox, the slot freed. Cancelled by the user (task:cancel) or by the
// executor itself (stop, a final connection error), which reports them as shutting down.
import { ErrorCode, TaskExecute, parsePayload, type AckFn, type TaskContext, type TaskEvent } from '@wegent/shared';
import type { ExecutorEvents, Logger, RunningTaskInfo } from './api';
import type { Approvals } from './approvals';
import type { ClaudeRunResult } from './claude';
import { MAX_EVENT_TEXT, clipText } from './coalesce';
import type { ConversationRequests } from './conversationRequests';
import type { Outbox } from './outbox';
import type { SlotTable } from './slots';
import { executeTask, type ExecutionDeps, type TaskToRun } from './taskExecution';

interface RunningTask extends TaskToRun {
  /** Set when the executor (not the user) stopped the task. */
  shutdown?: boolean;
  done: Promise<void>;
}

/** What the running tasks take from the executor that owns them. */
export interface RunningTasksDeps {
  slots: SlotTable;
  outbox: Outbox;
  approvals: Approvals;
  /** For the changes a finished task reports. */
  conversations: ConversationRequests;
  execution: ExecutionDeps;
  log: Logger;
  /** stop() was called: no new task is taken. */
  draining(): boolean;
  /** One event of a task's stream (Executor.stream). */
  stream(subtaskId: string, event: TaskEvent): void;
  /** The executor's task:start and task:end events, and its observable state. */
  started(info: RunningTaskInfo): void;
  ended(end: ExecutorEvents['task:end'][0]): void;
  emitState(): void;
}

export class RunningTasks {
  private readonly tasks = new Map<string, RunningTask>();

  constructor(private readonly d: RunningTasksDeps) {}

  get size(): number {
    return this.tasks.size;
  }

  /** Settles when every task running now has ended and reported. */
  allDone(): Promise<void[]> {
    return Promise.all([...this.tasks.values()].map((t) => t.done));
  }

  cancel(subtaskId: string): boolean {
    const task = this.tasks.get(subtaskId);
    if (!task) return false;
    this.d.log.info('Cancelling task', { subtask_id: subtaskId });
    task.controller.abort();
    return true;
  }

  /** Ends every task as the executor's doing, not the user's: each is reported as SHUTTING_DOWN. */
  shutdownAll(): void {
    for (const task of this.tasks.values()) {
      task.shutdown = true;
      task.controller.abort();
    }
  }

  /** A message of that conversation runs on this device now (apply or discard must wait: TASK_BUSY). */
  conversationRuns(taskId: string): boolean {
    return [...this.tasks.values()].some((t) => t.info.taskId === taskId);
  }

  onExecute(payload: unknown, ack: AckFn): void {
    const { slots } = this.d;
    const parsed = parsePayload(TaskExecute, payload);
    if (!parsed.ok) return ack({ ok: false, error: parsed.error });
    const { task_id, subtask_id, prompt, context, attachments } = parsed.value;
    if (this.d.draining()) return ack({ ok: false, error: { code: ErrorCode.SHUTTING_DOWN, message: 'This executor is shutting down and takes no new tasks.' } });
    const info: RunningTaskInfo = { subtaskId: subtask_id, taskId: task_id, prompt, startedAt: new Date().toISOString() };
    const acquired = slots.tryAcquire(info);
    if (acquired === 'duplicate') return ack({ ok: true }); // a resend of a task this device already has
    if (acquired === 'full') return ack({ ok: false, error: { code: ErrorCode.SLOTS_FULL, message: `All ${slots.max} slots of this device are busy.` } });
    ack({ ok: true });
    const controller = new AbortController();
    const task: RunningTask = { info, controller, done: Promise.resolve(), ...(attachments?.length ? { attachments } : {}) };
    this.tasks.set(subtask_id, task);
    task.done = this.runTask(task, context);
  }

  private async runTask(task: RunningTask, context: TaskContext): Promise<void> {
    const { d } = this;
    const { subtaskId, taskId } = task.info;
    d.log.info('Task started', { subtask_id: subtaskId, task_id: taskId });
    d.started(task.info);
    d.approvals.begin(subtaskId, taskId, task.info.prompt);
    d.emitState();
    const onEvent = (event: TaskEvent) => d.stream(subtaskId, event);
    let outcome: ClaudeRunResult;
    try {
      outcome = await executeTask(d.execution, task, context, onEvent);
    } catch (err) {
      outcome = { status: 'failed', error: { code: ErrorCode.EXECUTOR_ERROR, message: `The executor failed: ${(err as Error).message}` } };
    }
    if (task.shutdown) outcome = { ...outcome, status: 'cancelled', error: { code: ErrorCode.SHUTTING_DOWN, message: 'The executor was stopped while this task ran.' } };
    const error = outcome.status === 'failed' || task.shutdown ? outcome.error : undefined;
    const result = outcome.result === undefined ? undefined : clipText(outcome.result, MAX_EVENT_TEXT);
    d.approvals.end(subtaskId); // its decision events go out before the outcome
    const changes = await d.conversations.changesOf(taskId);
    d.outbox.complete(subtaskId, { status: outcome.status, result, error, session_id: outcome.sessionId, usage: outcome.usage, changes });
    d.slots.release(subtaskId);
    this.tasks.delete(subtaskId);
    d.log[outcome.status === 'failed' ? 'warn' : 'info'](`Task ${outcome.status}`, { subtask_id: subtaskId, ...(error ? { code: error.code, reason: error.message } : {}) });
    d.ended({ subtaskId, status: outcome.status, result: outcome.result, error });
    d.emitState();
  }
}
