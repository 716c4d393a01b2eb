// What a tool call's input looks like to a person, as data: the command of Bash, the file and a
// diff-like view of Write/Edit, the URL of WebFetch, the plan of ExitPlanMode, else the JSON. One
// definition for every place a tool input is shown (tool cards, approval cards); the component
// that draws it is components/ToolInput.tsx. Pure, so every rule is unit-tested.
import { diffLines } from 'diff';
import { formatInput } from './transcript';

/** Lines of one side shown before the rest is folded into "N more lines". */
export const MAX_DIFF_LINES = 40;
/** Unchanged lines kept around a change, like `diff -U2`. */
const CONTEXT_LINES = 2;

export interface DiffLine {
  /** Added, removed, unchanged context, or `gap`: that many unchanged lines left out (text). */
  mark: '+' | '-' | ' ' | 'gap';
  text: string;
}

/** One change: its lines (cut at MAX_DIFF_LINES) and how many were cut. */
export interface DiffHunk {
  lines: DiffLine[];
  hidden: number;
}

export type ToolView =
  | { kind: 'command'; command: string; description?: string }
  | { kind: 'diff'; path?: string; hunks: DiffHunk[]; replaceAll?: boolean; created?: boolean }
  | { kind: 'path'; path: string; detail?: string }
  | { kind: 'url'; url: string; detail?: string }
  | { kind: 'search'; pattern: string; path?: string }
  | { kind: 'plan'; markdown: string }
  | { kind: 'json'; text: string };

type Input = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function cut(lines: DiffLine[]): DiffHunk {
  return lines.length > MAX_DIFF_LINES ? { lines: lines.slice(0, MAX_DIFF_LINES), hidden: lines.length - MAX_DIFF_LINES } : { lines, hidden: 0 };
}

const splitLines = (text: string): string[] => {
  const lines = text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop(); // a final newline is not a line
  return lines;
};

/** Every line of `text` as added: a new file, or a notebook cell's new source. */
export function addedHunk(text: string): DiffHunk {
  return cut(splitLines(text).map((l) => ({ mark: '+', text: l })));
}

/** old → new as removed and added lines, with a little unchanged context around each change. */
export function editHunk(oldText: string, newText: string): DiffHunk {
  const lines: DiffLine[] = [];
  const withEol = (t: string) => (t === '' || t.endsWith('\n') ? t : `${t}\n`);
  const parts = diffLines(withEol(oldText), withEol(newText));
  const last = parts.length - 1;
  parts.forEach((p, i) => {
    const body = splitLines(p.value);
    if (p.added || p.removed) {
      for (const text of body) lines.push({ mark: p.added ? '+' : '-', text });
      return;
    }
    // Unchanged: only the context next to a change (the tail before it, the head after it).
    const head = i > 0 ? body.slice(0, CONTEXT_LINES) : [];
    const tail = i < last ? body.slice(-CONTEXT_LINES) : [];
    const kept = last === 0 || head.length + tail.length >= body.length ? body : null;
    if (kept) {
      for (const text of kept) lines.push({ mark: ' ', text });
      return;
    }
    for (const text of head) lines.push({ mark: ' ', text });
    lines.push({ mark: 'gap', text: String(body.length - head.length - tail.length) });
    for (const text of tail) lines.push({ mark: ' ', text });
  });
  return cut(lines);
}

export function toolView(toolName: string, input: unknown): ToolView {
  const i = (input && typeof input === 'object' ? input : {}) as Input;
  switch (toolName) {
    case 'Bash':
    case 'PowerShell':
      if (str(i.command)) return { kind: 'command', command: str(i.command)!, description: str(i.description) };
      break;
    case 'Write':
      if (str(i.file_path)) return { kind: 'diff', path: str(i.file_path), hunks: [addedHunk(str(i.content) ?? '')], created: true };
      break;
    case 'Edit':
      if (str(i.file_path)) {
        return { kind: 'diff', path: str(i.file_path), hunks: [editHunk(str(i.old_string) ?? '', str(i.new_string) ?? '')], replaceAll: i.replace_all === true };
      }
      break;
    case 'MultiEdit':
      if (str(i.file_path) && Array.isArray(i.edits)) {
        const edits = (i.edits as Input[]).filter((e) => e && typeof e === 'object');
        return { kind: 'diff', path: str(i.file_path), hunks: edits.map((e) => editHunk(str(e.old_string) ?? '', str(e.new_string) ?? '')) };
      }
      break;
    case 'NotebookEdit':
      if (str(i.notebook_path)) return { kind: 'diff', path: str(i.notebook_path), hunks: [addedHunk(str(i.new_source) ?? '')] };
      break;
    case 'Read': {
      if (!str(i.file_path)) break;
      const from = typeof i.offset === 'number' ? i.offset : undefined;
      const count = typeof i.limit === 'number' ? i.limit : undefined;
      const detail = from !== undefined || count !== undefined ? `${from ?? 1}${count !== undefined ? `+${count}` : ''}` : undefined;
      return { kind: 'path', path: str(i.file_path)!, detail };
    }
    case 'WebFetch':
      if (str(i.url)) return { kind: 'url', url: str(i.url)!, detail: str(i.prompt) };
      break;
    case 'WebSearch':
      if (str(i.query)) return { kind: 'search', pattern: str(i.query)! };
      break;
    case 'Glob':
    case 'Grep':
      if (str(i.pattern)) return { kind: 'search', pattern: str(i.pattern)!, path: str(i.path) };
      break;
    case 'ExitPlanMode':
      if (str(i.plan)) return { kind: 'plan', markdown: str(i.plan)! };
      break;
  }
  return { kind: 'json', text: formatInput(input) };
}
