// Delivery of a task's stream (`task:progress`) and outcome (`task:complete`): everything stays here
// until the backend acks it, so a disconnect mid-task loses nothing; it is resent after reconnect
// (the backend applies each seq once). Per subtask exactly one message is in flight and seqs go out
// in order, because the backend answers SEQ_GAP to a seq that skips ahead. `task:complete` leaves only
// after every progress of its subtask is acked and carries `last_seq`. Events that arrive while a
// message is in flight are coalesced into the next one (see coalesce.ts).
import { EventEmitter } from 'node:events';
import { ErrorCode, type Ack, type ProtocolError, type TaskChanges, type TaskComplete, type TaskEvent, type TaskProgress, type Usage } from '@wegent/shared';
import type { Logger } from './api';
import { appendCoalesced, takeBatch } from './coalesce';

/** Sends one event and resolves with the ack, or undefined when none came (offline, timeout). */
export type SendFn = (event: 'task:progress' | 'task:complete', payload: TaskProgress | TaskComplete) => Promise<Ack | undefined>;

export interface CompletePayload {
  status: TaskComplete['status'];
  result?: string;
  error?: ProtocolError;
  session_id?: string;
  usage?: Usage;
  changes?: TaskChanges;
}

interface SubtaskQueue {
  nextSeq: number;
  /** The message with a seq assigned, in flight or to be resent; never edited once sealed. */
  current?: TaskProgress;
  /** Events without a seq yet. */
  buffer: TaskEvent[];
  complete?: CompletePayload;
  pumping: boolean;
  /** Progress messages the backend refused for good (bounded, so a bad stream cannot loop). */
  refusals: number;
  /**
   * The backend keeps no more of this stream (its per-subtask cap: LIMIT_EXCEEDED, then acks with
   * `truncated`); it has put a note in the chat. Further events are dropped here; the outcome still goes.
   */
  capped?: boolean;
}

/** Answers worth another try later; anything else means the backend will never take this stream. */
const RETRYABLE = new Set<string>([ErrorCode.UNAVAILABLE, ErrorCode.INTERNAL, ErrorCode.RATE_LIMITED, ErrorCode.DEVICE_NOT_REGISTERED]);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Outbox extends EventEmitter<{ settled: [subtaskId: string, delivered: boolean] }> {
  private readonly queues = new Map<string, SubtaskQueue>();
  private online = false;

  constructor(
    private readonly send: SendFn,
    private readonly logger: Logger,
    private readonly retryDelayMs = 1000,
  ) {
    super();
  }

  /** Subtasks with something not yet acked (reported as running so the backend does not orphan them). */
  pendingIds(): string[] {
    return [...this.queues.keys()];
  }

  get empty(): boolean {
    return this.queues.size === 0;
  }

  push(subtaskId: string, event: TaskEvent): void {
    const q = this.queue(subtaskId);
    if (q.capped) return;
    appendCoalesced(q.buffer, event);
    void this.pump(subtaskId);
  }

  complete(subtaskId: string, payload: CompletePayload): void {
    this.queue(subtaskId).complete = payload;
    void this.pump(subtaskId);
  }

  setOnline(online: boolean): void {
    this.online = online;
    if (online) for (const id of this.queues.keys()) void this.pump(id);
  }

  /**
   * Resolves true once everything is acked (or dropped for good: every subtask settled), false if that
   * takes longer than timeoutMs. Woken by the `settled` that empties the outbox, not by polling.
   */
  whenEmpty(timeoutMs: number): Promise<boolean> {
    if (this.empty) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (result: boolean) => {
        clearTimeout(timer);
        this.off('settled', onSettled);
        resolve(result);
      };
      const onSettled = () => {
        if (this.empty) done(true);
      };
      const timer = setTimeout(() => done(this.empty), timeoutMs);
      this.on('settled', onSettled);
    });
  }

  private queue(subtaskId: string): SubtaskQueue {
    let q = this.queues.get(subtaskId);
    if (!q) this.queues.set(subtaskId, (q = { nextSeq: 1, buffer: [], pumping: false, refusals: 0 }));
    return q;
  }

  private settle(subtaskId: string, delivered: boolean): void {
    this.queues.delete(subtaskId);
    this.emit('settled', subtaskId, delivered);
  }

  private cap(subtaskId: string, q: SubtaskQueue): void {
    if (!q.capped) this.logger.warn('The backend keeps no more of this task\'s output (its per-task cap); the rest is not sent, the result still is', { subtask_id: subtaskId });
    q.capped = true;
    q.buffer = [];
  }

  private async pump(subtaskId: string): Promise<void> {
    const q = this.queues.get(subtaskId);
    if (!q || q.pumping || !this.online) return;
    q.pumping = true;
    try {
      while (this.online) {
        if (!q.current && q.buffer.length) q.current = { subtask_id: subtaskId, seq: q.nextSeq++, events: takeBatch(q.buffer) };
        const progress = q.current;
        if (!progress && !q.complete) return;
        const ack = progress
          ? await this.send('task:progress', progress)
          : await this.send('task:complete', { subtask_id: subtaskId, ...q.complete!, last_seq: q.nextSeq - 1 } as TaskComplete);
        if (ack?.ok) {
          if (!progress) return this.settle(subtaskId, true);
          q.current = undefined;
          if ((ack as { truncated?: boolean }).truncated) this.cap(subtaskId, q);
        } else if (!ack || RETRYABLE.has(ack.error.code)) {
          // Offline or no answer: the loop stops when offline and setOnline(true) restarts it.
          if (this.online) await sleep(this.retryDelayMs);
        } else if (progress && ack.error.code === ErrorCode.LIMIT_EXCEEDED) {
          // Past the stream's cap: the backend stored a note at this seq (so the seq is used) and
          // keeps nothing more; sending the rest would only cost its rate limit.
          q.current = undefined;
          this.cap(subtaskId, q);
        } else if (progress && ack.error.code !== ErrorCode.SUBTASK_NOT_FOUND && ++q.refusals <= 3) {
          // This batch was refused, so not applied: its seq is free again. The rest of the stream and
          // the outcome still go through, with a note where the refused part was.
          this.logger.warn('The backend refused part of this task\'s output', { subtask_id: subtaskId, code: ack.error.code, reason: ack.error.message });
          q.current = undefined;
          q.nextSeq = progress.seq;
          q.buffer.unshift({ type: 'status', text: `Part of this task's output could not be delivered (${ack.error.code}).` });
        } else {
          this.logger.warn('The backend refused this task\'s output; dropping it', { subtask_id: subtaskId, code: ack.error.code, reason: ack.error.message });
          return this.settle(subtaskId, false);
        }
      }
    } finally {
      q.pumping = false;
    }
  }
}
