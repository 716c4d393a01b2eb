// A chat client that behaves like the real chat page across faults: after every reconnect it asks
// `chat:resume` for what it missed (after the last seq it holds) and merges by seq. It also keeps
// the raw live pushes so a test can tell "the backend pushed a seq twice or out of order" (a bug)
// from "the client filled a gap by resuming" (the protocol working).
import assert from 'node:assert/strict';
import type { ChatChunk, ChatDone } from '@wegent/shared';
import { TestChat } from '../../support/clients';
import { waitFor } from '../../support/wait';

interface Stream {
  merged: Map<number, ChatChunk>;
  liveSeqs: number[];
  done?: ChatDone;
}

export interface StreamCheck {
  seqs: number;
  lost: number;
  liveDuplicates: number;
  liveOutOfOrder: number;
}

export class ResumingChat {
  readonly streams = new Map<string, Stream>();
  reconnects = 0;
  resumes = 0;

  private constructor(readonly chat: TestChat) {
    const socket = chat.socket;
    socket.on('chat:chunk', (c: ChatChunk) => {
      const s = this.stream(c.subtask_id);
      s.liveSeqs.push(c.seq);
      s.merged.set(c.seq, c);
    });
    socket.on('chat:done', (d: ChatDone) => (this.stream(d.subtask_id).done ??= d));
    socket.io.on('reconnect', () => {
      this.reconnects++;
      void this.resumeAll();
    });
  }

  static async connect(url: string, token: string): Promise<ResumingChat> {
    return new ResumingChat(await TestChat.connect({ url, token }));
  }

  private stream(id: string): Stream {
    let s = this.streams.get(id);
    if (!s) this.streams.set(id, (s = { merged: new Map(), liveSeqs: [] }));
    return s;
  }

  /** The highest seq held with every seq below it held too. */
  contiguous(id: string): number {
    const s = this.stream(id);
    let n = 0;
    while (s.merged.has(n + 1)) n++;
    return n;
  }

  async resume(id: string): Promise<void> {
    const s = this.stream(id);
    const ack = await this.chat.resume(id, this.contiguous(id));
    this.resumes++;
    if (!ack.ok) return;
    for (const c of ack.chunks ?? []) s.merged.set(c.seq, c);
    if (ack.done) s.done ??= ack.done;
  }

  async resumeAll(): Promise<void> {
    for (const [id, s] of this.streams) if (!s.done) await this.resume(id).catch(() => {});
  }

  async sendOk(p: { device_id: string; message: string; task_id?: string }) {
    const ack = await this.chat.sendOk(p);
    this.stream(ack.subtask_id);
    return ack;
  }

  /** Waits for chat:done; polls chat:resume too, in case the done fell into a disconnect. */
  async waitForDone(id: string, timeout = 90_000): Promise<ChatDone> {
    let lastPoll = Date.now();
    return waitFor(async () => {
      const s = this.stream(id);
      if (!s.done && Date.now() - lastPoll > 2000 && this.chat.socket.connected) {
        lastPoll = Date.now();
        await this.resume(id).catch(() => {});
      }
      return s.done;
    }, { timeout, interval: 50, message: `chat:done for ${id} never came` });
  }

  text(id: string): string {
    const s = this.stream(id);
    return [...s.merged.keys()].sort((a, b) => a - b).flatMap((k) => s.merged.get(k)!.events).map((e) => (e.type === 'text' ? e.text : '')).join('');
  }

  /** Counts what a user would miss or see twice, after one last resume so nothing in flight counts as lost. */
  async check(id: string): Promise<StreamCheck> {
    await this.resume(id);
    const s = this.stream(id);
    const seqs = [...s.merged.keys()].sort((a, b) => a - b);
    const max = seqs.at(-1) ?? 0;
    const seen = new Set<number>();
    let liveDuplicates = 0;
    let liveOutOfOrder = 0;
    let last = 0;
    for (const q of s.liveSeqs) {
      if (seen.has(q)) liveDuplicates++;
      else if (q < last) liveOutOfOrder++;
      seen.add(q);
      last = Math.max(last, q);
    }
    return { seqs: max, lost: max - seqs.length, liveDuplicates, liveOutOfOrder };
  }

  /** Every seq 1..n held once, pushed live never twice nor backwards, and the text is exactly `expected`. */
  async assertIntact(id: string, expectedText: string): Promise<StreamCheck> {
    const c = await this.check(id);
    assert.equal(c.lost, 0, `${c.lost} seqs of ${id} never reached the chat`);
    assert.equal(c.liveDuplicates, 0, `the backend pushed ${c.liveDuplicates} seqs of ${id} twice`);
    assert.equal(c.liveOutOfOrder, 0, `the backend pushed ${c.liveOutOfOrder} seqs of ${id} out of order`);
    assert.equal(this.text(id), expectedText, 'the streamed text differs from what the model said (lost or repeated content)');
    return c;
  }

  close(): void {
    this.chat.close();
  }
}
