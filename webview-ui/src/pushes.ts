// Pushes from the backend become actions of the store, each stream in seq order: a chunk past a gap,
// or a chat:done ahead of its last chunks, is not applied but fetched again with chat:resume.
import type {
  ChatChangesDecided,
  ChatChunk,
  ChatDone,
  ChatPermissionDecided,
  ChatResumeOk,
  ChatStart,
  ChatStatus,
  DeviceStatusEvent,
} from '@wegent/shared';
import { now, type Store } from './controllerDeps';
import { ChatEvent } from './protocol';
import { doneIsAhead, hasGap, turnBySubtask } from './state';
import type { Transport } from './transport/types';

export class Pushes {
  /** Subtasks with a chat:resume in flight, so a burst of gapped chunks asks only once. */
  private readonly resuming = new Set<string>();
  /** Subtasks that saw another gap while their resume was in flight: resume once more after. */
  private readonly resumeAgain = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly transport: Transport,
  ) {}

  onPush(event: string, payload: unknown): void {
    if (!payload || typeof payload !== 'object') return;
    const { store } = this;
    switch (event) {
      case ChatEvent.start:
        return store.dispatch({ type: 'chatStart', event: payload as ChatStart, at: now() });
      case ChatEvent.status:
        return store.dispatch({ type: 'chatStatus', event: payload as ChatStatus, at: now() });
      case ChatEvent.chunk: {
        const chunk = payload as ChatChunk;
        if (hasGap(turnBySubtask(store.state, chunk.subtask_id), chunk)) void this.resume(chunk.subtask_id);
        else store.dispatch({ type: 'chunk', event: chunk, at: now() });
        return;
      }
      case ChatEvent.done: {
        const done = payload as ChatDone;
        // Never let `done` close a stream that still misses chunks: resume first, it carries done.
        if (doneIsAhead(turnBySubtask(store.state, done.subtask_id), done)) void this.resume(done.subtask_id);
        else store.dispatch({ type: 'done', event: done, at: now() });
        return;
      }
      case ChatEvent.permissionDecided:
        return store.dispatch({ type: 'permissionDecided', event: payload as ChatPermissionDecided });
      case ChatEvent.changesDecided:
        return store.dispatch({ type: 'changesDecided', event: payload as ChatChangesDecided });
      case ChatEvent.deviceStatus:
        return store.dispatch({ type: 'deviceStatus', event: payload as DeviceStatusEvent });
    }
  }

  /** Fetches everything after the last applied seq of a subtask and applies it in order. */
  async resume(subtaskId: string): Promise<void> {
    if (this.resuming.has(subtaskId)) {
      this.resumeAgain.add(subtaskId);
      return;
    }
    this.resuming.add(subtaskId);
    try {
      const turn = turnBySubtask(this.store.state, subtaskId);
      if (!turn) return;
      // A long stream comes in pages (`more`): ask again after the last chunk until one has no more.
      for (let after = turn.last_seq; ; ) {
        const ack = await this.transport.request(ChatEvent.resume, { subtask_id: subtaskId, after_seq: after });
        if (!ack.ok) return;
        const { chunks, done, more } = ack as ChatResumeOk;
        const ordered = [...chunks].sort((a, b) => a.seq - b.seq);
        for (const c of ordered) this.store.dispatch({ type: 'chunk', event: c });
        if (done) this.store.dispatch({ type: 'done', event: done });
        if (!more || !ordered.length) return;
        after = ordered[ordered.length - 1].seq;
      }
    } finally {
      this.resuming.delete(subtaskId);
      if (this.resumeAgain.delete(subtaskId)) void this.resume(subtaskId);
    }
  }
}
