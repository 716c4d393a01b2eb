// What the user added from the editor for the next message (shared/src/bridge.ts ContextItem): how
// it is named on its chip and how it travels — appended to the message as plain text the agent reads
// (a file by its workspace-relative path, which Claude Code can open in the task's folder; a
// selection as a fenced block with its lines). Pure, unit-tested.
import type { ContextItem } from '@wegent/shared';

export function sameContext(a: ContextItem, b: ContextItem): boolean {
  return a.kind === b.kind && a.path === b.path && a.startLine === b.startLine && a.endLine === b.endLine;
}

/** "src/app.ts" or "src/app.ts:12–20". */
export function contextLabel(item: ContextItem): string {
  if (item.kind === 'file' || !item.startLine) return item.path;
  return item.endLine && item.endLine !== item.startLine ? `${item.path}:${item.startLine}–${item.endLine}` : `${item.path}:${item.startLine}`;
}

/** A fence longer than any run of backticks in the text, so the selection cannot close it early. */
function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(longest + 1);
}

/** The message as sent: the user's words, then each piece of context. */
export function withContext(message: string, items: readonly ContextItem[]): string {
  if (!items.length) return message;
  const parts = items.map((item) => {
    if (item.kind === 'file' || item.text === undefined) return `- File: \`${item.path}\``;
    const f = fence(item.text);
    return `- Selection from \`${contextLabel(item)}\`:\n${f}\n${item.text}\n${f}`;
  });
  return `${message}\n\nContext from the editor:\n${parts.join('\n')}`;
}
