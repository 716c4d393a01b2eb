// A unified diff (git diff output, as `chat:diff` answers it) split into one section per file, each
// with its lines classified for display. Pure; the text is shown as text, never as HTML.

export type DiffLineKind = 'add' | 'del' | 'ctx' | 'hunk' | 'meta';

export interface DiffLine {
  kind: DiffLineKind;
  text: string;
}

export interface FileDiff {
  /** The file's name after the change (before it, for a deletion). */
  path: string;
  oldPath?: string;
  additions: number;
  deletions: number;
  binary: boolean;
  lines: DiffLine[];
}

const HEADER = /^diff --git a\/(.+) b\/(.+)$/;

export function parseUnifiedDiff(text: string): FileDiff[] {
  const files: FileDiff[] = [];
  let current: FileDiff | undefined;
  let inHunk = false;
  for (const line of text.split('\n')) {
    const header = line.match(HEADER);
    if (header) {
      current = { path: header[2], additions: 0, deletions: 0, binary: false, lines: [] };
      if (header[1] !== header[2]) current.oldPath = header[1];
      files.push(current);
      inHunk = false;
      continue;
    }
    if (!current) continue;
    if (line.startsWith('@@')) {
      inHunk = true;
      current.lines.push({ kind: 'hunk', text: line });
    } else if (inHunk && line.startsWith('+')) {
      current.additions++;
      current.lines.push({ kind: 'add', text: line.slice(1) });
    } else if (inHunk && line.startsWith('-')) {
      current.deletions++;
      current.lines.push({ kind: 'del', text: line.slice(1) });
    } else if (inHunk && line.startsWith(' ')) {
      current.lines.push({ kind: 'ctx', text: line.slice(1) });
    } else if (line.startsWith('Binary files')) {
      current.binary = true;
      current.lines.push({ kind: 'meta', text: line });
    } else if (inHunk && line.startsWith('\\')) {
      current.lines.push({ kind: 'meta', text: line });
    } else if (!inHunk && /^(deleted|new) file mode/.test(line)) {
      current.lines.push({ kind: 'meta', text: line });
    }
    // index, ---/+++ and similarity lines are left out: the section heading says what they say.
  }
  return files;
}
