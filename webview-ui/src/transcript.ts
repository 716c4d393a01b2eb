// Turns a subtask's raw event stream into what the chat shows: consecutive text merged into one
// markdown block, each tool call paired with its result in one card, and each permission request
// under the tool call it is about (approvals.ts says how it ended).
import type { TaskEvent } from '@wegent/shared';

export type Block =
  | { kind: 'text'; text: string }
  | { kind: 'thinking'; text: string }
  | { kind: 'status'; text: string; code?: string; attempt?: number; max_attempts?: number }
  | { kind: 'tool'; id: string; name: string; input: unknown; result?: { text: string; is_error: boolean }; approvalId?: string }
  /** A request whose tool call was not (yet) seen: a card of its own. */
  | { kind: 'approval'; requestId: string };

export function blocksOf(events: readonly TaskEvent[]): Block[] {
  const blocks: Block[] = [];
  const tools = new Map<string, Extract<Block, { kind: 'tool' }>>();
  for (const e of events) {
    const last = blocks[blocks.length - 1];
    switch (e.type) {
      case 'text':
      case 'thinking':
        if (last && last.kind === e.type) last.text += e.text;
        else blocks.push({ kind: e.type, text: e.text });
        break;
      case 'status':
        // "Session started (model, mode)" on every turn is noise: its model shows with the reply.
        if (e.code === SESSION_STARTED) break;
        blocks.push({
          kind: 'status', text: e.text, ...(e.code ? { code: e.code } : {}),
          ...(e.attempt !== undefined ? { attempt: e.attempt } : {}), ...(e.max_attempts !== undefined ? { max_attempts: e.max_attempts } : {}),
        });
        break;
      case 'tool_use': {
        const card = { kind: 'tool' as const, id: e.id, name: e.name, input: e.input };
        tools.set(e.id, card);
        blocks.push(card);
        break;
      }
      case 'tool_result': {
        const card = tools.get(e.tool_use_id);
        const result = { text: e.text, is_error: e.is_error };
        if (card) card.result = result;
        // A result whose call we never saw still deserves a card.
        else blocks.push({ kind: 'tool', id: e.tool_use_id, name: '?', input: undefined, result });
        break;
      }
      case 'permission_request': {
        const card = e.tool_use_id ? tools.get(e.tool_use_id) : undefined;
        if (card && !card.approvalId) card.approvalId = e.request_id;
        else blocks.push({ kind: 'approval', requestId: e.request_id });
        break;
      }
    }
  }
  return blocks;
}

const SESSION_STARTED = 'session_started';

/** The model the reply ran with, as Claude Code reported it when its session started. */
export function reportedModel(events: readonly TaskEvent[]): string | undefined {
  for (const e of events) if (e.type === 'status' && e.code === SESSION_STARTED && e.model) return e.model;
  return undefined;
}

/** The reply's text as a screen reader would want it announced: the text blocks only. */
export function replyText(events: readonly TaskEvent[]): string {
  return events.filter((e) => e.type === 'text').map((e) => (e as { text: string }).text).join('');
}

/** Pretty JSON for a tool's input, tolerant of anything. */
export function formatInput(input: unknown): string {
  if (input === undefined) return '';
  if (typeof input === 'string') return input;
  try {
    return JSON.stringify(input, null, 2);
  } catch {
    return String(input);
  }
}
