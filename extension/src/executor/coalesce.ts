// Token coalescing for `task:progress`: while one progress message of a subtask is in flight, new
// events wait in a buffer; adjacent text (or thinking) deltas merge into one event, so a burst of
// hundreds of tokens becomes one message with one event, and nothing waits on a timer (no added
// latency: the first event after an ack leaves at once).
import { LIMITS, type TaskEvent } from '@wegent/shared';

/** Appends `event` to `buffer`, merging it into the last event when both are text or both thinking. */
export function appendCoalesced(buffer: TaskEvent[], event: TaskEvent): void {
  const last = buffer[buffer.length - 1];
  if (
    last &&
    (event.type === 'text' || event.type === 'thinking') &&
    last.type === event.type &&
    last.text.length + event.text.length <= LIMITS.textChars
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
