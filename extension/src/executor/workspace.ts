// Where a task runs. Local mode: the workspace folder the user opened (or --workspace). Cloud mode:
// one folder per user and task under the root (<root>/<user_id>/<task_id>), so users never share
// files and a follow-up of the same task finds its earlier work (and its Claude session) again.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ErrorCode, type ExecutorMode, type ProtocolError } from '@wegent/shared';
import { shellWords, type Shell } from './shellWords';

export type WorkspaceResult = { ok: true; cwd: string } | { ok: false; error: ProtocolError };

/** A path segment that cannot climb out of its parent ("." and ".." are valid ids but not here). */
function safeSegment(id: string | undefined): string | undefined {
  if (!id || !/^[A-Za-z0-9._:-]{1,128}$/.test(id) || /^\.+$/.test(id)) return undefined;
  return id.replace(/:/g, '%3A'); // ':' is not allowed in Windows file names
}

export async function resolveWorkspace(mode: ExecutorMode, root: string, userId: string | undefined, taskId: string, shell: Shell = 'cli'): Promise<WorkspaceResult> {
  if (mode === 'local') {
    try {
      if ((await fs.stat(root)).isDirectory()) return { ok: true, cwd: root };
    } catch {
      /* reported below */
    }
    return { ok: false, error: { code: ErrorCode.EXECUTOR_ERROR, message: `The workspace folder ${root} does not exist or is not a folder: ${shellWords(shell).workspace}.` } };
  }
  const user = safeSegment(userId);
  const task = safeSegment(taskId);
  if (!user || !task) return { ok: false, error: { code: ErrorCode.INVALID_PAYLOAD, message: 'A cloud task needs a valid context.user_id and task_id to get its own workspace.' } };
  const cwd = path.join(path.resolve(root), user, task);
  try {
    await fs.mkdir(cwd, { recursive: true, mode: 0o700 });
    return { ok: true, cwd };
  } catch (err) {
    return { ok: false, error: { code: ErrorCode.PERMISSION_DENIED, message: `Cannot create the task workspace ${cwd}: ${(err as Error).message}. Check that the cloud root folder is writable.` } };
  }
}
