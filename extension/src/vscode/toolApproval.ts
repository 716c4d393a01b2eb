// Asks the person at this machine before Claude Code runs a tool that needs permission (permission
// mode "default": file edits, shell commands…). Without an answer the executor would have to deny
// every such tool, so tasks could only read. The question is a non-modal notification naming the
// task, the tool and its input; nobody answering within the timeout counts as a denial.
import * as vscode from 'vscode';
import type { ExecutorOptions } from '../executor/api';
import { preview } from './taskLog';

type ApproveTool = NonNullable<ExecutorOptions['approveTool']>;

export const APPROVAL_TIMEOUT_MS = 5 * 60_000;

export class ToolApprovals {
  /** Tasks whose every tool the user allowed ("Allow All for This Task"). */
  private readonly allowedTasks = new Set<string>();

  constructor(private readonly timeoutMs = APPROVAL_TIMEOUT_MS) {}

  readonly approve: ApproveTool = async ({ subtaskId, toolName, input }) => {
    if (this.allowedTasks.has(subtaskId)) return { allow: true };
    const t = vscode.l10n.t;
    const allow = t('Allow');
    const allowTask = t('Allow All for This Task');
    const deny = t('Deny');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), this.timeoutMs)));
    const question = vscode.window.showWarningMessage(
      t('Wegent task {0} wants to use {1}: {2}', subtaskId.slice(-8), toolName, preview(input, 160)),
      allow,
      allowTask,
      deny,
    );
    const picked = await Promise.race([question, timedOut]);
    clearTimeout(timer);
    if (picked === allowTask) this.allowedTasks.add(subtaskId);
    if (picked === allow || picked === allowTask) return { allow: true };
    return {
      allow: false,
      message: picked === deny ? `The user denied ${toolName} in VS Code.` : `Nobody approved ${toolName} in VS Code within ${Math.round(this.timeoutMs / 60_000)} minutes.`,
    };
  };

  /** A finished task's blanket approval must not outlive it. */
  forget(subtaskId: string): void {
    this.allowedTasks.delete(subtaskId);
  }
}
