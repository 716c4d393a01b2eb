// Turns a task's streamed events into readable output-channel lines. Text arrives as token-sized
// deltas, so it is buffered per task and logged a whole line at a time. Free of `vscode`.
import type { TaskEvent } from '@wegent/shared';

const PREVIEW_CHARS = 300;

export function preview(value: unknown, max = PREVIEW_CHARS): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

export class TaskTranscript {
  private readonly pending = new Map<string, string>();

  /** Lines ready to log for this event (possibly none while a text line is still growing). */
  push(subtaskId: string, event: TaskEvent): string[] {
    if (event.type === 'text') {
      const buffered = (this.pending.get(subtaskId) ?? '') + event.text;
      const parts = buffered.split('\n');
      this.pending.set(subtaskId, parts.pop() ?? '');
      return parts.filter((l) => l.trim() !== '');
    }
    const lines = this.flush(subtaskId);
    switch (event.type) {
      case 'thinking':
        return lines; // thinking is noise in a log; the chat shows it
      case 'tool_use':
        return [...lines, `tool ${event.name} ${preview(event.input)}`];
      case 'tool_result':
        return [...lines, `${event.is_error ? 'tool error' : 'tool result'}: ${preview(event.text)}`];
      case 'status':
        return [...lines, `status: ${preview(event.text)}`];
      case 'permission_request':
        return [...lines, `waiting for approval: ${event.tool_name} ${preview(event.input)}`];
      case 'permission_decision':
        return [...lines, `${event.decision === 'allow' ? 'allowed' : 'denied'} (${event.by}${event.scope === 'task' ? ', for this task' : ''})${event.message ? `: ${preview(event.message)}` : ''}`];
    }
  }

  /** The rest of a half-written line, at task end or before a non-text event. */
  flush(subtaskId: string): string[] {
    const rest = this.pending.get(subtaskId);
    this.pending.delete(subtaskId);
    return rest && rest.trim() ? [rest] : [];
  }
}
