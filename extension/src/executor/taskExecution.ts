// One task from its message to Claude's outcome: the folder it runs in (the workspace, a cloud task's
// own folder, or the conversation's worktree), the permission mode under the device's ceiling, its
// attachments, the run itself, and a follow-up whose session is not on this machine. The executor
// (executor.ts) accepts, reports and frees the slot around it.
import { stricterPermissionMode, type AttachmentRef, type PermissionMode, type TaskContext, type TaskEvent } from '@wegent/shared';
import type { Logger, RunningTaskInfo } from './api';
import type { Approvals } from './approvals';
import { AttachmentError, receiveAttachments } from './attachments';
import { runClaude, type ClaudeRunResult } from './claude';
import type { HostSettings } from './claudeOptions';
import type { ClaudeProcesses } from './claudeProcesses';
import type { ImageInput } from './claudeSession';
import type { ResolvedOptions } from './options';
import { resolveWorkspace } from './workspace';
import type { WorktreeManager } from './worktree/manager';

/** What running a task takes from the executor that owns it. */
export interface ExecutionDeps {
  options: ResolvedOptions;
  worktrees: WorktreeManager;
  processes: ClaudeProcesses;
  approvals: Approvals;
  /** The settings every Claude Code process starts with (Executor.hostSettings, read once). */
  host(): HostSettings;
  log: Logger;
}

/** A task as running it needs it: what was asked, the way to stop it, what came with it. */
export interface TaskToRun {
  info: RunningTaskInfo;
  controller: AbortController;
  /** The message's attachments, fetched once before Claude runs. */
  attachments?: AttachmentRef[];
}

export async function executeTask(d: ExecutionDeps, task: TaskToRun, context: TaskContext, onEvent: (e: TaskEvent) => void): Promise<ClaudeRunResult> {
  const { mode } = d.options;
  const where = await resolveWorkspace(mode, d.options.workspace, context.user_id, task.info.taskId, d.options.shell);
  if (!where.ok) return { status: 'failed', error: where.error };
  // Local mode: the conversation's own worktree (cloud executors already keep a folder per task).
  const cwd = mode === 'local' ? (await d.worktrees.prepare(task.info.taskId, where.cwd, (text) => onEvent({ type: 'status', text }), task.controller.signal)).cwd : where.cwd;
  const ceiling = d.options.permissionMode;
  const permissionMode = stricterPermissionMode(ceiling, context.permission_mode);
  if (context.permission_mode && context.permission_mode !== permissionMode) {
    onEvent({ type: 'status', text: `This message asked for ${MODE_NAMES[context.permission_mode]}; this device allows at most ${MODE_NAMES[ceiling]}, so it ran as ${MODE_NAMES[permissionMode]}.` });
  }
  let prompt = task.info.prompt;
  let images: ImageInput[] | undefined;
  if (task.attachments) {
    try {
      const received = await receiveAttachments({ backendUrl: d.options.backendUrl, token: d.options.token, subtaskId: task.info.subtaskId, signal: task.controller.signal }, task.attachments, cwd, prompt);
      ({ prompt, images } = received);
    } catch (err) {
      if (err instanceof AttachmentError) return { status: 'failed', error: err.error };
      throw err;
    }
  }
  const run = (prompt: string, resume: string | undefined) =>
    runClaude({
      subtaskId: task.info.subtaskId,
      taskId: task.info.taskId,
      processes: d.processes,
      host: d.host(),
      prompt,
      images,
      cwd,
      permissionMode,
      resume,
      model: context.model,
      claudeCodePath: d.options.claudeCodePath,
      confineTo: mode === 'cloud' ? where.cwd : undefined, // the pool runs every user's tasks as one OS user
      shell: d.options.shell,
      signal: task.controller.signal,
      onEvent,
      canUseTool: d.approvals.canUseTool(task.info.subtaskId, ceiling),
      logger: d.log,
    });
  if (!context.session_id) return run(withHistory(prompt, context), undefined);
  const outcome = await run(prompt, context.session_id);
  // The session lives on another machine (a cloud pool member, a reinstalled device): go on from the history.
  if (outcome.status !== 'failed' || !/No conversation found/i.test(outcome.error?.message ?? '')) return outcome;
  onEvent({ type: 'status', text: 'The earlier Claude session is not on this device; continuing from the conversation history.' });
  return run(withHistory(prompt, context), undefined);
}

/** How the modes read in a sentence (the chat's composer uses the same words). */
const MODE_NAMES: Record<PermissionMode, string> = {
  plan: '"Plan only" (plan)',
  default: '"Ask before changes" (default)',
  acceptEdits: '"Accept edits" (acceptEdits)',
  bypassPermissions: '"Full access" (bypassPermissions)',
};

/** The prompt with the earlier turns of the conversation in front, for a run without its session. */
function withHistory(prompt: string, context: TaskContext): string {
  if (!context.history?.length) return prompt;
  return `Earlier in this conversation:\n${context.history.map((h) => `${h.role}: ${h.text}`).join('\n')}\n\nNow: ${prompt}`;
}
