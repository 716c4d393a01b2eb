// A path a chat names must stay inside the conversation's worktree: relative, no "..", and not
// leaving through a symbolic link. Whatever part of it exists is resolved to its real location.
import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';
import { WorktreePath } from '@wegent/shared';

export async function confinePath(root: string, requested: string): Promise<{ ok: true; path: string } | { ok: false; message: string }> {
  const refused = (why: string) => ({ ok: false as const, message: `The path "${requested}" is refused: ${why}.` });
  if (!WorktreePath.safeParse(requested).success) return refused('it must be relative to the workspace, without ".." and not absolute');
  const realRoot = await realpath(root);
  let probe = path.resolve(realRoot, requested);
  if (!isInside(realRoot, probe)) return refused('it leaves the workspace');
  // The deepest part that exists is followed through any symbolic links; the rest cannot escape.
  for (;;) {
    const exists = await lstat(probe).then(() => true, () => false);
    if (exists) break;
    const up = path.dirname(probe);
    if (up === probe) break;
    probe = up;
  }
  const real = await realpath(probe).catch(() => probe);
  if (!isInside(realRoot, real)) return refused('it leads out of the workspace through a symbolic link');
  return { ok: true, path: path.relative(realRoot, path.resolve(realRoot, requested)).split(path.sep).join('/') };
}

/** Whether `p` is `root` or below it, by path alone (callers resolve symbolic links first). */
export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}
