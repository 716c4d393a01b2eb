// Token coalescing for `task:progress`: while one progress message of a subtask is in flight, new
// events wait in a buffer; adjacent text (or thinking) deltas merge into one event, so a burst of
// hundreds of tokens becomes one message with one event, and nothing waits on a timer (no added
// latency: the first event after an ack leaves at once).
import { LIMITS, type TaskEvent } from '@wegent/shared';

/** Text kept per event: far below the protocol's limits even in 4-byte characters (LIMITS.progressBytes). */
export const MAX_EVENT_TEXT = 200_000;
/** Tool output shown in the chat; the model still got all of it. */
export const MAX_TOOL_RESULT_TEXT = 64_000;
/** Serialized tool input kept whole; larger inputs (a big Write) are shown as a preview. */
export const MAX_TOOL_INPUT_CHARS = 256_000;

export function clipText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n… [${text.length - max} more characters not shown]`;
}

/** Keeps one event within what the backend accepts, so a huge tool output cannot stall the stream. */
export function clampEvent(event: TaskEvent): TaskEvent {
  switch (event.type) {
    case 'tool_result':
      return { ...event, text: clipText(event.text, MAX_TOOL_RESULT_TEXT) };
    case 'tool_use':
    case 'permission_request': {
      const json = JSON.stringify(event.input ?? null) ?? 'null';
      return json.length <= MAX_TOOL_INPUT_CHARS ? event : { ...event, input: { truncated: true, preview: json.slice(0, 4000) } };
    }
    case 'permission_decision':
      return event;
    default:
      return { ...event, text: clipText(event.text, MAX_EVENT_TEXT) };
  }
}

/** Appends `event` to `buffer`, merging it into the last event when both are text or both thinking. */
export function appendCoalesced(buffer: TaskEvent[], incoming: TaskEvent): void {
  const event = clampEvent(incoming);
  const last = buffer[buffer.length - 1];
  if (
    last &&
    (event.type === 'text' || event.type === 'thinking') &&
    last.type === event.type &&
    last.text.length + event.text.length <= MAX_EVENT_TEXT
  ) {
    buffer[buffer.length - 1] = { type: event.type, text: last.text + event.text };
    return;
  }
  buffer.push(event);
}

/** Rough wire size of an event; used to keep one progress message under the backend's byte limit. */
export function eventBytes(event: TaskEvent): number {
  return Buffer.byteLength(JSON.stringify(event));
}

/**
 * Takes from the front of `buffer` as many events as fit in one `task:progress` (count and bytes
 * under the protocol limits, always at least one) and returns them.
 */
export function takeBatch(buffer: TaskEvent[], maxBytes = LIMITS.progressBytes / 2): TaskEvent[] {
  let bytes = 0;
  let n = 0;
  while (n < buffer.length && n < LIMITS.eventsPerProgress) {
    bytes += eventBytes(buffer[n]);
    if (n > 0 && bytes > maxBytes) break;
    n++;
  }
  return buffer.splice(0, n);
}
