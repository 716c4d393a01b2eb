// Brings a conversation's patch into the user's working tree as uncommitted changes: `git apply`
// without --index touches files only (nothing staged, nothing committed) and is all-or-nothing, so
// it is first checked; a check that fails names the files in the way and leaves the tree as it was.
import { git } from './git';

export type PatchOutcome = { ok: true } | { ok: false; files: string[]; detail: string };

/** What `git apply` says about a file it cannot apply (LC_ALL=C messages). */
const IN_THE_WAY = [
  /^error: patch failed: (.+):\d+$/,
  /^error: (.+): patch does not apply$/,
  /^error: (.+): already exists in working directory$/,
  /^error: (.+): does not exist in working tree$/,
  /^error: (.+): No such file or directory$/,
  /^error: (.+): wrong type$/,
  /^error: (.+): does not match index$/,
];

export function conflictingFiles(stderr: string): string[] {
  const files = new Set<string>();
  for (const line of stderr.split('\n')) {
    for (const re of IN_THE_WAY) {
      const m = line.trim().match(re);
      if (m) files.add(m[1]);
    }
  }
  return [...files];
}

export async function applyPatch(root: string, patch: string): Promise<PatchOutcome> {
  if (!patch.trim()) return { ok: true };
  const args = ['apply', '--whitespace=nowarn', '--binary'];
  const check = await git([...args, '--check', '-'], { cwd: root, input: patch });
  if (check.code !== 0) return { ok: false, files: conflictingFiles(check.stderr), detail: check.stderr.trim() };
  const applied = await git([...args, '-'], { cwd: root, input: patch });
  if (applied.code !== 0) return { ok: false, files: conflictingFiles(applied.stderr), detail: applied.stderr.trim() };
  return { ok: true };
}
