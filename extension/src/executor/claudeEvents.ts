// Maps the Claude Agent SDK's message stream onto the protocol's task events. Token deltas come from
// `stream_event` messages (includePartialMessages); tool calls from the complete `assistant` messages
// (their input is whole there); tool results from `user` messages. A turn streamed without partial
// messages still shows: text of an assistant message whose deltas were never seen is emitted whole.
// Subagent traffic (parent_tool_use_id set) is left out of the text stream; its tool calls show.
import type { TaskEvent } from '@wegent/shared';

/** The SDK message fields this mapper reads (a structural subset of SDKMessage). */
export interface SdkMessageLike {
  type: string;
  subtype?: string;
  parent_tool_use_id?: string | null;
  session_id?: string;
  event?: any;
  message?: any;
  [key: string]: unknown;
}

function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((c: any) => (c?.type === 'text' ? String(c.text) : c?.type === 'image' ? '[image]' : ''))
    .filter(Boolean)
    .join('\n');
}

export class ClaudeEventMapper {
  /** Assistant message ids whose text arrived as deltas. */
  private readonly streamed = new Set<string>();

  map(m: SdkMessageLike): TaskEvent[] {
    switch (m.type) {
      case 'stream_event':
        return this.mapStreamEvent(m);
      case 'assistant':
        return this.mapAssistant(m);
      case 'user':
        return this.mapUser(m);
      case 'system':
        return this.mapSystem(m);
      default:
        return [];
    }
  }

  private mapStreamEvent(m: SdkMessageLike): TaskEvent[] {
    if (m.parent_tool_use_id) return [];
    const e = m.event;
    if (e?.type === 'message_start' && e.message?.id) this.streamed.add(e.message.id);
    if (e?.type !== 'content_block_delta') return [];
    if (e.delta?.type === 'text_delta' && e.delta.text) return [{ type: 'text', text: e.delta.text }];
    if (e.delta?.type === 'thinking_delta' && e.delta.thinking) return [{ type: 'thinking', text: e.delta.thinking }];
    return [];
  }

  private mapAssistant(m: SdkMessageLike): TaskEvent[] {
    const content: any[] = Array.isArray(m.message?.content) ? m.message.content : [];
    const wasStreamed = !m.parent_tool_use_id && this.streamed.has(m.message?.id);
    const events: TaskEvent[] = [];
    for (const block of content) {
      if (block?.type === 'tool_use') events.push({ type: 'tool_use', id: String(block.id), name: String(block.name), input: block.input ?? {} });
      else if (!wasStreamed && !m.parent_tool_use_id && block?.type === 'text' && block.text) events.push({ type: 'text', text: block.text });
      else if (!wasStreamed && !m.parent_tool_use_id && block?.type === 'thinking' && block.thinking) events.push({ type: 'thinking', text: block.thinking });
    }
    return events;
  }

  private mapUser(m: SdkMessageLike): TaskEvent[] {
    const content: any[] = Array.isArray(m.message?.content) ? m.message.content : [];
    return content
      .filter((b) => b?.type === 'tool_result')
      .map((b) => ({ type: 'tool_result', tool_use_id: String(b.tool_use_id), is_error: Boolean(b.is_error), text: toolResultText(b.content) }));
  }

  private mapSystem(m: SdkMessageLike): TaskEvent[] {
    if (m.subtype === 'init') {
      const model = String(m.model ?? 'default');
      const mode = String(m.permissionMode ?? 'default');
      return [{ type: 'status', code: 'session_started', model, permission_mode: mode, text: `Claude Code session started (model ${model}, permission mode ${mode}).` }];
    }
    if (m.subtype === 'api_retry') {
      const attempt = Number(m.attempt);
      const max = Number(m.max_retries);
      return [{
        type: 'status', code: 'api_retry',
        ...(Number.isInteger(attempt) && attempt >= 0 ? { attempt } : {}), ...(Number.isInteger(max) && max >= 0 ? { max_attempts: max } : {}),
        text: `Model API error (${String(m.error ?? m.error_status ?? 'unknown')}); retrying, attempt ${String(m.attempt)} of ${String(m.max_retries)}.`,
      }];
    }
    if (m.subtype === 'compact_boundary') return [{ type: 'status', code: 'compacted', text: 'Conversation compacted to fit the context window.' }];
    return [];
  }
}
