// Is the task's workspace a git repository a worktree can be made from? A bare repository, one
// without a commit, or a folder outside git cannot: the task then runs in place, and the reason is
// said in the chat.
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { git } from './git';

export type RepoProbe =
  | { ok: true; root: string; head: string; subdir: string; dirty: boolean }
  | { ok: false; reason: string };

export async function probeRepo(workspace: string): Promise<RepoProbe> {
  const top = await git(['rev-parse', '--is-bare-repository', '--show-toplevel'], { cwd: workspace });
  if (top.code !== 0) {
    if (/not a git repository/i.test(top.stderr)) return { ok: false, reason: 'this folder is not a git repository' };
    return { ok: false, reason: `git cannot read this folder (${top.stderr.trim().split('\n')[0] || 'git failed'})` };
  }
  const [bare, rootLine] = top.stdout.split('\n');
  if (bare.trim() === 'true' || !rootLine?.trim()) return { ok: false, reason: 'this is a bare git repository (no working tree)' };
  const head = await git(['rev-parse', '--verify', '-q', 'HEAD^{commit}'], { cwd: workspace });
  if (head.code !== 0) return { ok: false, reason: 'the git repository has no commit yet, so there is no HEAD to start from' };
  const root = await realpath(rootLine.trim());
  const subdir = path.relative(root, await realpath(workspace));
  const status = await git(['status', '--porcelain', '--untracked-files=normal'], { cwd: root });
  return { ok: true, root, head: head.stdout.trim(), subdir, dirty: status.stdout.trim().length > 0 };
}
