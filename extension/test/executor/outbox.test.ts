// The outbox against a receiver that follows the protocol's rules (apply each seq once, SEQ_GAP for a
// seq that skips ahead, complete only with the right last_seq), under random disconnects and lost
// acks: the receiver ends up with every event exactly once, in order.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Ack, TaskComplete, TaskEvent, TaskProgress } from '@wegent/shared';
import { Outbox, type SendFn } from '../../src/executor/outbox';
import { MAX_TOOL_RESULT_TEXT, appendCoalesced, clampEvent, takeBatch } from '../../src/executor/coalesce';
import { waitFor } from '../../../test/support/wait';
import { silentLogger } from './tmp';

class ProtocolReceiver {
  /** Progress messages this receiver refuses for good (as a validating backend would). */
  refuse: (p: TaskProgress) => boolean = () => false;
  applied = new Map<string, { seq: number; events: TaskEvent[]; complete?: TaskComplete }>();
  maxInFlight = 0;
  private inFlight = 0;

  handle(event: string, payload: TaskProgress | TaskComplete): Ack {
    const s = this.applied.get(payload.subtask_id) ?? { seq: 0, events: [] };
    this.applied.set(payload.subtask_id, s);
    if (event === 'task:progress') {
      const p = payload as TaskProgress;
      if (p.seq > s.seq + 1) return { ok: false, error: { code: 'SEQ_GAP', message: 'gap' } };
      if (p.seq === s.seq + 1 && this.refuse(p)) return { ok: false, error: { code: 'INVALID_PAYLOAD', message: 'Invalid field "events.0.text"' } };
      if (p.seq === s.seq + 1) {
        s.seq = p.seq;
        s.events.push(...p.events);
      }
      return { ok: true };
    }
    const c = payload as TaskComplete;
    assert.equal(c.last_seq, s.seq, 'complete names the last applied seq');
    s.complete ??= c;
    return { ok: true };
  }

  /** A send function whose answers may be lost (the message applied, the ack not delivered). */
  sender(lose: () => boolean): SendFn {
    return async (event, payload) => {
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      await new Promise((r) => setImmediate(r));
      const ack = this.handle(event, payload);
      this.inFlight--;
      return lose() ? undefined : ack;
    };
  }
}

const textOf = (events: TaskEvent[]) => events.map((e) => (e.type === 'text' ? e.text : `[${e.type}]`)).join('');

describe('executor: outbox', function () {
  this.timeout(60_000);
  it('delivers every event once and in order despite lost acks and disconnects (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.string({ minLength: 1, maxLength: 5 }), fc.constant('#tool')), { minLength: 1, maxLength: 40 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 30 }), async (tokens, losses) => {
        const receiver = new ProtocolReceiver();
        let i = 0;
        const outbox = new Outbox(receiver.sender(() => losses[i++ % losses.length] && i < 200), silentLogger, 1);
        outbox.setOnline(true);
        const sent: TaskEvent[] = [];
        for (const [n, t] of tokens.entries()) {
          const e: TaskEvent = t === '#tool' ? { type: 'tool_use', id: `t${n}`, name: 'Bash', input: {} } : { type: 'text', text: t };
          sent.push(e);
          outbox.push('s1', e);
          if (n % 7 === 3) outbox.setOnline(false);
          if (n % 7 === 5) outbox.setOnline(true);
          if (n % 3 === 0) await new Promise((r) => setImmediate(r));
        }
        outbox.complete('s1', { status: 'completed', result: 'r' });
        outbox.setOnline(true);
        assert.equal(await outbox.whenEmpty(5000), true);
        const got = receiver.applied.get('s1')!;
        assert.equal(textOf(got.events), textOf(sent));
        assert.equal(got.complete?.status, 'completed');
        assert.equal(receiver.maxInFlight, 1, 'one message in flight per subtask');
      }),
      { numRuns: 60 },
    );
  });

  it('coalesces tokens that arrive while a message is in flight', async () => {
    const receiver = new ProtocolReceiver();
    const calls: TaskProgress[] = [];
    let release!: () => void;
    const inFlight = new Promise<void>((r) => (release = r));
    const send: SendFn = async (event, payload) => {
      if (event === 'task:progress') calls.push(payload as TaskProgress);
      await inFlight; // the first message stays in flight until every token has arrived
      return receiver.handle(event, payload);
    };
    const outbox = new Outbox(send, silentLogger, 1);
    outbox.setOnline(true);
    for (let n = 0; n < 100; n++) outbox.push('s2', { type: 'text', text: `t${n} ` });
    outbox.complete('s2', { status: 'completed' });
    release();
    assert.equal(await outbox.whenEmpty(5000), true);
    assert.equal(calls.length, 2, 'the first token leaves at once, the other 99 ride in one message');
    assert.equal(calls[1].events.length, 1);
    assert.equal(textOf(receiver.applied.get('s2')!.events), Array.from({ length: 100 }, (_, n) => `t${n} `).join(''));
  });

  it('keeps everything while offline and reports the subtask as pending until the complete is acked', async () => {
    const receiver = new ProtocolReceiver();
    const outbox = new Outbox(receiver.sender(() => false), silentLogger, 1);
    outbox.push('s3', { type: 'text', text: 'a' });
    outbox.complete('s3', { status: 'failed', error: { code: 'MODEL_ERROR', message: 'm' } });
    // Whatever the outbox would do asynchronously after a push has started by the next turn of the loop.
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(outbox.pendingIds(), ['s3']);
    assert.equal(receiver.applied.size, 0);
    outbox.setOnline(true);
    assert.equal(await outbox.whenEmpty(5000), true);
    assert.equal(receiver.applied.get('s3')!.complete?.error?.code, 'MODEL_ERROR');
  });

  it('drops a stream the backend refuses for good (SUBTASK_NOT_FOUND) instead of retrying forever', async () => {
    let attempts = 0;
    const outbox = new Outbox(async () => (attempts++, { ok: false, error: { code: 'SUBTASK_NOT_FOUND', message: 'no' } }), silentLogger, 1);
    const settled: boolean[] = [];
    outbox.on('settled', (_id, delivered) => settled.push(delivered));
    outbox.setOnline(true);
    outbox.push('s4', { type: 'text', text: 'a' });
    assert.equal(await outbox.whenEmpty(2000), true);
    assert.equal(attempts, 1);
    assert.deepEqual(settled, [false]);
  });

  it('skips a batch the backend refuses (its seq reused), notes it, and still delivers the rest and the outcome', async () => {
    const receiver = new ProtocolReceiver();
    receiver.refuse = (p) => p.events.some((e) => e.type === 'text' && e.text.includes('POISON'));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const send: SendFn = async (event, payload) => {
      await gate; // let the first three events pile up into one batch
      return receiver.handle(event, payload);
    };
    const outbox = new Outbox(send, silentLogger, 1);
    outbox.setOnline(true);
    outbox.push('s5', { type: 'text', text: 'before ' });
    outbox.push('s5', { type: 'tool_use', id: 't', name: 'Bash', input: {} });
    outbox.push('s5', { type: 'text', text: 'POISON' });
    release();
    // The poisoned batch refused and the note in its place applied; only then the next event, so it
    // cannot ride in the refused batch.
    await waitFor(() => receiver.applied.get('s5')?.events.some((e) => e.type === 'status' && e.text.includes('could not be delivered')), { message: 'the refused batch was not replaced by a note' });
    outbox.push('s5', { type: 'text', text: 'after' });
    outbox.complete('s5', { status: 'completed', result: 'r' });
    assert.equal(await outbox.whenEmpty(5000), true);
    const got = receiver.applied.get('s5')!;
    assert.equal(got.complete?.status, 'completed');
    assert.equal(got.complete?.last_seq, got.seq);
    const texts = got.events.map((e) => (e.type === 'text' || e.type === 'status' ? e.text : `[${e.type}]`)).join('|');
    assert.ok(!texts.includes('POISON'));
    assert.ok(texts.includes('could not be delivered (INVALID_PAYLOAD)') && texts.endsWith('after'), texts);
  });

  it('whenEmpty: true at once when empty, woken by the settle that empties it (no polling), false past its timeout', async () => {
    const receiver = new ProtocolReceiver();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const outbox = new Outbox(async (event, payload) => (event === 'task:complete' && (await gate), receiver.handle(event, payload)), silentLogger, 1);
    assert.equal(await outbox.whenEmpty(0), true, 'nothing pending');
    outbox.complete('s6', { status: 'completed' });
    assert.equal(await outbox.whenEmpty(20), false, 'offline: the complete stays pending past the timeout');
    assert.equal(outbox.listenerCount('settled'), 0, 'a timed-out wait leaves no listener behind');
    outbox.setOnline(true);
    const drained = outbox.whenEmpty(60_000);
    const settled = new Promise<void>((r) => outbox.once('settled', () => r()));
    release();
    await settled;
    // Resolved in the same turn as the settle: a poll would still be waiting for its next timer.
    const first = await Promise.race([drained, new Promise((r) => setImmediate(() => r('not yet')))]);
    assert.equal(first, true);
    assert.equal(outbox.listenerCount('settled'), 0);
  });

  it('clamps events the backend would refuse: huge tool output clipped, huge tool input previewed', () => {
    const big = clampEvent({ type: 'tool_result', tool_use_id: 't', is_error: false, text: 'x'.repeat(MAX_TOOL_RESULT_TEXT + 10) });
    assert.ok(big.type === 'tool_result' && big.text.length < MAX_TOOL_RESULT_TEXT + 100 && /10 more characters not shown/.test(big.text));
    const write = clampEvent({ type: 'tool_use', id: 't', name: 'Write', input: { file_path: '/a', content: 'y'.repeat(1_000_000) } });
    assert.ok(write.type === 'tool_use' && (write.input as { truncated?: boolean }).truncated === true);
    const small = { type: 'tool_use' as const, id: 't', name: 'Write', input: { file_path: '/a', content: 'z' } };
    assert.deepEqual(clampEvent(small), small);
  });

  it('merges adjacent text and thinking but not across other events, and batches within limits', () => {
    const buf: TaskEvent[] = [];
    for (const e of [
      { type: 'text', text: 'a' },
      { type: 'text', text: 'b' },
      { type: 'thinking', text: 'c' },
      { type: 'status', text: 's' },
      { type: 'text', text: 'd' },
    ] as TaskEvent[])
      appendCoalesced(buf, e);
    assert.deepEqual(buf.map((e) => e.type), ['text', 'thinking', 'status', 'text']);
    assert.equal((buf[0] as { text: string }).text, 'ab');
    const many: TaskEvent[] = Array.from({ length: 1200 }, (_, n) => ({ type: 'status', text: String(n) }));
    assert.equal(takeBatch(many).length, 500);
    assert.equal(many.length, 700);
  });
});
