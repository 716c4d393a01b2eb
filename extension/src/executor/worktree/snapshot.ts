// What a conversation changed, read without touching its worktree's state: everything in the
// worktree (new files too, minus what git ignores) is added to a scratch copy of its index and
// written as a tree, then compared with the base commit. Commits the task made itself are covered
// too, since the comparison is base → current files.
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LIMITS, type ChangeStatus, type ChangedFile } from '@wegent/shared';
import { git, gitOk } from './git';

/** The tree of the worktree's current files, as git would commit them (ignored files left out). */
export async function snapshotTree(worktree: string): Promise<string> {
  const index = path.join(os.tmpdir(), `wegent-index-${randomUUID()}`);
  const own = (await gitOk(['rev-parse', '--path-format=absolute', '--git-path', 'index'], { cwd: worktree })).trim();
  // A copy of the worktree's index keeps git's stat cache, so unchanged files are not re-read, and
  // keeps the index's own mtime: git trusts an entry's stat only when the file's mtime is older
  // than the index's, so a fresh mtime would hide an edit of the same size made in the second the
  // entry was written (git's "racy clean" case; the agent's first edit right after checkout).
  await fs.stat(own).then(
    async (st) => {
      await fs.copyFile(own, index);
      await fs.utimes(index, st.atime, st.mtime);
    },
    () => undefined,
  );
  const env = { GIT_INDEX_FILE: index };
  try {
    await gitOk(['add', '-A', '--', '.'], { cwd: worktree, env });
    return (await gitOk(['write-tree'], { cwd: worktree, env })).trim();
  } finally {
    await fs.rm(index, { force: true });
  }
}

const STATUS: Record<string, ChangeStatus> = { A: 'added', M: 'modified', D: 'deleted', R: 'renamed', T: 'modified', C: 'added' };

export interface ChangeSummary {
  files: ChangedFile[];
  additions: number;
  deletions: number;
  filesTruncated: boolean;
}

/** Names and +/− counts of base → tree (renames found), never contents. */
export async function summarize(repoCwd: string, base: string, tree: string): Promise<ChangeSummary> {
  const [names, counts] = await Promise.all([
    gitOk(['diff', '--name-status', '-z', '-M', '--no-ext-diff', base, tree], { cwd: repoCwd }),
    gitOk(['diff', '--numstat', '-z', '-M', '--no-ext-diff', base, tree], { cwd: repoCwd }),
  ]);
  const files: ChangedFile[] = [];
  const byPath = new Map<string, ChangedFile>();
  const n = names.split('\0');
  for (let i = 0; i < n.length - 1; ) {
    const code = n[i++];
    const kind = STATUS[code[0]] ?? 'modified';
    const file: ChangedFile = kind === 'renamed' ? { old_path: n[i++], path: n[i++], status: kind, additions: 0, deletions: 0 } : { path: n[i++], status: kind, additions: 0, deletions: 0 };
    files.push(file);
    byPath.set(file.path, file);
  }
  // numstat -z: "add\tdel\tpath\0", or for a rename "add\tdel\t\0old\0new\0"; binary files count "-".
  const c = counts.split('\0');
  let additions = 0;
  let deletions = 0;
  for (let i = 0; i < c.length - 1; ) {
    const [add, del, inline] = c[i++].split('\t');
    const name = inline ? inline : (i++, c[i++]);
    const file = byPath.get(name);
    if (add === '-' || del === '-') {
      if (file) file.binary = true;
      continue;
    }
    additions += Number(add);
    deletions += Number(del);
    if (file) Object.assign(file, { additions: Number(add), deletions: Number(del) });
  }
  return { files: files.slice(0, LIMITS.changedFiles), additions, deletions, filesTruncated: files.length > LIMITS.changedFiles };
}

export interface DiffText {
  diff: string;
  truncated: boolean;
}

/** The unified diff base → tree (one file with `file`), cut at a line end after LIMITS.diffBytes. */
export async function diffText(repoCwd: string, base: string, tree: string, file?: string): Promise<DiffText> {
  const args = ['diff', '-M', '--no-color', '--no-ext-diff', base, tree, ...(file ? ['--', `:(literal)${file}`] : [])];
  const r = await git(args, { cwd: repoCwd, maxBytes: LIMITS.diffBytes });
  if (r.code !== 0) throw new Error(`git diff failed: ${r.stderr.trim()}`);
  if (!r.truncated) return { diff: r.stdout, truncated: false };
  const cut = r.stdout.lastIndexOf('\n');
  return { diff: cut > 0 ? r.stdout.slice(0, cut + 1) : r.stdout, truncated: true };
}

/** The full patch base → tree, binary files included, for `git apply` in the user's tree. */
export function fullPatch(repoCwd: string, base: string, tree: string): Promise<string> {
  return gitOk(['diff', '--binary', '--full-index', '-M', '--no-color', '--no-ext-diff', base, tree], { cwd: repoCwd });
}
