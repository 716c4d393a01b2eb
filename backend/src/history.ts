// task:execute.context.history bounded by bytes, newest kept: a long conversation must not build a
// task:execute larger than a connection carries (an 18 MB one made the backend cut the device).
import type { TaskContext } from '@wegent/shared';

export type HistoryEntry = NonNullable<TaskContext['history']>[number];

/** JSON framing of one entry ({"role":"assistant","text":""},) beyond its text. */
const ENTRY_OVERHEAD = 40;
const CUT_MARK = '[… earlier part not included]\n';

/** The newest entries whose texts fit in `budget` bytes; the newest alone is cut to its end if it does not. */
export function boundHistory(entries: HistoryEntry[], budget: number): HistoryEntry[] {
  const kept: HistoryEntry[] = [];
  let left = budget;
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i];
    const size = Buffer.byteLength(e.text) + ENTRY_OVERHEAD;
    if (size <= left) {
      kept.push(e);
      left -= size;
      continue;
    }
    if (kept.length === 0 && left > ENTRY_OVERHEAD + CUT_MARK.length) kept.push({ ...e, text: CUT_MARK + tailWithin(e.text, left - ENTRY_OVERHEAD - CUT_MARK.length) });
    break;
  }
  return kept.reverse();
}

/** The end of `text` that fits in `bytes` of UTF-8 (never splitting a character). */
function tailWithin(text: string, bytes: number): string {
  let t = text.slice(-bytes);
  while (Buffer.byteLength(t) > bytes) t = t.slice(Math.max(1, Math.ceil((Buffer.byteLength(t) - bytes) / 4)));
  // A cut between the halves of a surrogate pair leaves a lone low surrogate: drop it.
  return /^[\uDC00-\uDFFF]/.test(t) ? t.slice(1) : t;
}
