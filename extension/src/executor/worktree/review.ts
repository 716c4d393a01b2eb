// The device's answers to change review requests from the backend: `task:diff` and `task:apply`,
// validated here (a bad payload gets INVALID_PAYLOAD naming the field), never throwing (a git
// failure is an EXECUTOR_ERROR the chat can show).
import { ErrorCode, TaskApply, TaskDiff, parsePayload, type Ack, type ApplyOk, type DiffOk } from '@wegent/shared';
import type { Logger } from '../api';
import type { WorktreeManager } from './manager';

async function guarded<T extends object>(what: string, log: Logger, fn: () => Promise<Ack<T>>): Promise<Ack<T>> {
  try {
    return await fn();
  } catch (err) {
    log.warn(`${what} failed`, { reason: (err as Error).message });
    return { ok: false, error: { code: ErrorCode.EXECUTOR_ERROR, message: `${what} failed on the device: ${(err as Error).message}` } };
  }
}

export function answerDiff(worktrees: WorktreeManager, payload: unknown, log: Logger): Promise<Ack<DiffOk>> {
  const parsed = parsePayload(TaskDiff, payload);
  if (!parsed.ok) return Promise.resolve({ ok: false, error: parsed.error });
  return guarded('Reading the diff', log, () => worktrees.diff(parsed.value.task_id, parsed.value.path));
}

export function answerApply(worktrees: WorktreeManager, payload: unknown, runs: (taskId: string) => boolean, log: Logger): Promise<Ack<ApplyOk>> {
  const parsed = parsePayload(TaskApply, payload);
  if (!parsed.ok) return Promise.resolve({ ok: false, error: parsed.error });
  const { task_id, action } = parsed.value;
  if (runs(task_id)) {
    return Promise.resolve({ ok: false, error: { code: ErrorCode.TASK_BUSY, message: `A message of this conversation is still running; ${action} its changes after it ends.` } });
  }
  return guarded(action === 'apply' ? 'Applying the changes' : 'Discarding the changes', log, () => worktrees.apply(task_id, action));
}
