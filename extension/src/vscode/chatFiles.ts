// Which file a path in a chat reply means, free of `vscode` (unit-tested against real folders): the
// path as the task wrote it — relative to its folder, or absolute — looked up in the conversation's
// worktree first (where the task ran and changed files), then in the workspace folders. Nothing outside
// those roots opens, also not through "..", an absolute path elsewhere, or a symbolic link leading out.
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { isInside } from '../executor/worktree/confine';

export type ChatFile =
  | { ok: true; file: string }
  | { ok: false; reason: 'outside' | 'missing' };

export const MAX_CHAT_PATH_CHARS = 1024;

async function realFile(p: string): Promise<string | undefined> {
  try {
    const real = await realpath(p);
    return (await stat(real)).isFile() ? real : undefined;
  } catch {
    return undefined;
  }
}

/** Resolves `requested` to a file inside one of `roots` (the first root that has it). */
export async function resolveChatFile(roots: readonly string[], requested: string): Promise<ChatFile> {
  if (!requested || requested.length > MAX_CHAT_PATH_CHARS || requested.includes('\0')) return { ok: false, reason: 'missing' };
  const realRoots = (await Promise.all(roots.map((r) => realpath(r).catch(() => undefined)))).filter((r): r is string => !!r);
  let inside = false;
  for (const [i, root] of roots.entries()) {
    const candidate = path.resolve(root, requested);
    // Lexically inside (no "..", no absolute path elsewhere) …
    if (!isInside(root, candidate) && !realRoots.some((r) => isInside(r, candidate))) continue;
    inside = true;
    const real = await realFile(candidate);
    if (!real) continue;
    // … and really inside: a symbolic link may not lead out of every root.
    if (realRoots.some((r) => isInside(r, real)) || isInside(realRoots[i] ?? root, real)) return { ok: true, file: real };
    return { ok: false, reason: 'outside' };
  }
  return { ok: false, reason: inside ? 'missing' : 'outside' };
}

/**
 * Workspace paths for an `@` query, best first: the file name starting with the query, then containing
 * it, then the path containing it (each in path order; case-insensitive). An empty query: the first ones.
 */
export function rankPaths(paths: readonly string[], query: string, limit: number): string[] {
  const q = query.trim().toLowerCase();
  if (!q) return [...paths].sort().slice(0, limit);
  const scored: [number, string][] = [];
  for (const p of paths) {
    const lower = p.toLowerCase();
    const name = lower.slice(lower.lastIndexOf('/') + 1);
    const score = name.startsWith(q) ? 0 : name.includes(q) ? 1 : lower.includes(q) ? 2 : -1;
    if (score >= 0) scored.push([score, p]);
  }
  return scored.sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1])).slice(0, limit).map(([, p]) => p);
}
