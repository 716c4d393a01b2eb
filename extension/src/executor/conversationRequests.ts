// What the backend asks about this device's conversations rather than its tasks: task:diff and
// task:apply (answered by worktree/review.ts), task:forget for deleted ones, and the changes a
// finished task reports. A worktree that goes takes its conversation's warm Claude Code process
// with it; a conversation with a message running here now is left alone.
import type { AckFn, ExecutorMode } from '@wegent/shared';
import type { Logger } from './api';
import type { ClaudeProcesses } from './claudeProcesses';
import type { WorktreeManager } from './worktree/manager';
import { answerApply, answerDiff } from './worktree/review';

export interface ConversationDeps {
  mode: ExecutorMode;
  worktrees: WorktreeManager;
  processes: ClaudeProcesses;
  /** Whether a message of that conversation runs here now (Executor.conversationRuns): apply, discard and forget wait. */
  runs(taskId: string): boolean;
  log: Logger;
}

export class ConversationRequests {
  constructor(private readonly d: ConversationDeps) {}

  diff(payload: unknown, ack: AckFn): void {
    void answerDiff(this.d.worktrees, payload, this.d.log).then(ack);
  }

  apply(payload: unknown, ack: AckFn): void {
    void answerApply(this.d.worktrees, payload, (taskId) => this.d.runs(taskId), this.d.log).then((answer) => {
      // Its worktree is gone: a warm Claude Code process of the conversation must not run on in it.
      if (answer.ok) this.d.processes.forget((payload as { task_id: string }).task_id);
      ack(answer);
    });
  }

  /** Conversations deleted on the backend: their worktrees, branches and warm processes go (not one that runs here now). */
  async forget(taskIds: string[]): Promise<string[]> {
    const done: string[] = [];
    for (const taskId of taskIds) {
      if (this.d.runs(taskId)) continue;
      try {
        if (await this.d.worktrees.forget(taskId)) done.push(taskId);
        this.d.processes.forget(taskId);
      } catch (err) {
        this.d.log.warn('Could not remove the worktree of a deleted conversation', { task_id: taskId, reason: (err as Error).message });
      }
    }
    return done;
  }

  /** The conversation's changes for task:complete; a git failure is logged, never fails the task. */
  async changesOf(taskId: string) {
    if (this.d.mode !== 'local') return undefined;
    try {
      return await this.d.worktrees.changes(taskId);
    } catch (err) {
      this.d.log.warn('Could not read the conversation\'s changes', { task_id: taskId, reason: (err as Error).message });
      return undefined;
    }
  }
}
