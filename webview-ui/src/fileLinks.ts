// File paths a reply or a tool card mentions, and opening them in the editor. Only a VS Code window
// whose own executor ran the turn can open them (the files are on this machine, in its workspace):
// Message provides a FileOpener then, and paths become links; everywhere else they stay text.
import { createContext } from 'preact';
import { useContext, useMemo } from 'preact/hooks';
import type { Turn } from './turns';
import { useAppState, useController } from './useController';

export interface FileRef {
  path: string;
  /** 1-based, from "a.ts:12" or "a.ts#L12". */
  line?: number;
}

export interface FileOpener {
  open(ref: FileRef): void;
}

export const FileLinks = createContext<FileOpener | null>(null);

export function useFileOpener(): FileOpener | null {
  return useContext(FileLinks);
}

/**
 * The opener for one turn's paths: only in VS Code, only when this window's own device ran it (its
 * files are here); the host resolves the path against the workspace (and the conversation's worktree)
 * and refuses anything outside.
 */
export function useTurnFileOpener(turn: Pick<Turn, 'device_id' | 'task_id'>): FileOpener | null {
  const c = useController();
  const local = useAppState().info?.local_device_id;
  const taskId = turn.task_id;
  const here = !!local && local === turn.device_id && !!c.transport.openFile;
  return useMemo(() => (here ? { open: (ref: FileRef) => c.transport.openFile!({ ...ref, ...(taskId ? { task_id: taskId } : {}) }) } : null), [here, taskId, c]);
}

const MAX_PATH_CHARS = 1024;
const LINE_SUFFIX = /^(.*?)(?::(\d{1,7})(?::\d{1,7})?|#L(\d{1,7})(?:-L?\d{1,7})?)$/;

/**
 * The file an inline code span or a tool input names, or null when it does not look like one: no
 * spaces or URL scheme, and either a folder separator or a file extension ("src/a.ts", "./x",
 * "README.md", "/abs/path:12"). A bare word ("npm", "true") is not a path.
 */
export function fileRefOf(text: string): FileRef | null {
  const s = text.trim();
  if (!s || s.length > MAX_PATH_CHARS || /[\s<>"'`|*?]/.test(s) || /^[a-z][a-z0-9+.-]*:\/\//i.test(s)) return null;
  const m = LINE_SUFFIX.exec(s);
  const path = m ? m[1] : s;
  const line = m ? Number(m[2] ?? m[3]) : undefined;
  if (!path || path.endsWith('/') || /^[.]+$/.test(path)) return null;
  const hasFolder = /[\\/]/.test(path);
  const hasExtension = /(^|[\\/])[^\\/]*[^.\\/]\.[A-Za-z0-9_-]{1,12}$/.test(path) || /(^|[\\/])\.[A-Za-z0-9_-][^\\/]*$/.test(path);
  if (!hasFolder && !hasExtension) return null;
  // A version number or a decimal is not a file ("1.2.3", "v2.0").
  if (!hasFolder && /^v?\d+(\.\d+)+$/.test(path)) return null;
  return line ? { path, line } : { path };
}
