// The device's reports on a running subtask: task:progress (a seq applied once, fanned out as
// chat:chunk) and task:complete (its final status, through the finisher).
import { ErrorCode, LIMITS, WegentError, pickUsage, type TaskComplete, type TaskEvent, type TaskProgress } from '@wegent/shared';
import type { Approvals } from '../approvals';
import { approvalOps } from '../store/scripts/approvals';
import { progress as progressScript } from '../store/scripts/progress';
import { truncationNote } from '../streamCap';
import type { Announcer } from './announce';
import type { DispatchDeps, DispatchOptions } from './deps';
import type { Finisher } from './finish';
import type { Routes } from './routes';
import { ProgressRate } from './rate';

export class Streams {
  private readonly rate: ProgressRate;
  /** The event a stream past its cap ends with, and its JSON as stored: the same for every subtask. */
  private readonly note: TaskEvent;
  private readonly noteEventsJson: string;

  constructor(
    private readonly d: DispatchDeps,
    private readonly routes: Routes,
    private readonly announce: Announcer,
    private readonly finisher: Finisher,
    private readonly approvals: Approvals,
  ) {
    this.rate = new ProgressRate(d.redis, d.opts.limits.progressPointsPerSecond);
    this.note = truncationNote(d.opts.limits);
    this.noteEventsJson = JSON.stringify([this.note]);
  }

  /**
   * `home`: where the device lives (its owner's, keys.userHome). `{truncated: true}`: past the
   * subtask's stream cap, acked and dropped. Every call takes its points of the device's rate.
   */
  async progress(home: string, deviceId: string, p: TaskProgress): Promise<{ truncated: true } | void> {
    const { tasks, notify, metrics } = this.d;
    this.rate.check(deviceId);
    // The events are serialized once: for the rate, the size limit and, spliced in, the stored chunk.
    const eventsJson = JSON.stringify(p.events);
    const bytes = Buffer.byteLength(eventsJson);
    const cost = this.rate.cost(bytes);
    if (bytes > LIMITS.progressBytes) {
      await this.rate.take(home, deviceId, cost);
      throw new WegentError(ErrorCode.PAYLOAD_TOO_LARGE, `One task:progress may carry at most ${LIMITS.progressBytes} bytes of events; split it into several seqs.`, 413);
    }
    const s = await this.routes.get(p.subtask_id);
    if (!s || s.device_id !== deviceId) {
      await this.rate.take(home, deviceId, cost);
      throw notFound(p.subtask_id);
    }
    const chunk = { task_id: s.task_id, subtask_id: s.subtask_id, seq: p.seq, events: p.events };
    const cap = this.d.opts.limits;
    // The stored chunk and the note in its place past the cap share the head `{"task_id":…,"seq":N`.
    const head = JSON.stringify({ task_id: s.task_id, subtask_id: s.subtask_id, seq: p.seq }).slice(0, -1);
    const now = new Date().toISOString();
    const res = await progressScript(this.d.redis, {
      subtaskId: s.subtask_id, deviceId, seq: p.seq, now,
      chunkJson: `${head},"events":${eventsJson}}`,
      eventCount: p.events.length, maxBytes: cap.subtaskEventBytes, maxEvents: cap.subtaskEvents, noteJson: `${head},"events":${this.noteEventsJson}}`,
      cost, points: this.rate.points,
      approvalOps: approvalOps(p.events, now),
      nodeId: this.d.peers.nodeId,
    });
    switch (res.outcome) {
      case 'limited':
        throw this.rate.refused(deviceId, res.waitMs);
      case 'notfound':
        throw notFound(p.subtask_id);
      case 'gap':
        throw new WegentError(ErrorCode.SEQ_GAP, `Expected seq ${res.lastSeq + 1} for subtask "${s.subtask_id}", got ${p.seq}; send the missing seqs first, in order.`);
      case 'applied':
      case 'cut':
        metrics.progressEvents.inc(p.events.length);
        if (res.started) {
          const full = await tasks.getSubtask(s.subtask_id);
          if (full) this.announce.running(full);
        }
        const pushed = res.outcome === 'cut' ? { ...chunk, events: [this.note] } : chunk;
        // No other node registered when it was stored: no other node holds a chat to tell (peers.ts).
        const push = res.alone ? () => notify.toUserHere(s.user_id, 'chat:chunk', pushed) : () => notify.toUser(s.user_id, 'chat:chunk', pushed);
        // The device's outbox waits for this call's ack before it sends the next seq, so the ack goes
        // first and the chunk right after it (the check phase of this same loop turn): encoding and
        // writing the chunk overlaps the device's next message instead of lengthening the chain.
        // Nothing this node emits later about the subtask can pass it: the next task:progress or
        // task:complete is read in a later poll phase. A first seq announces `running` first.
        if (res.started) push();
        else setImmediate(push);
        await this.approvals.afterEvents(s.subtask_id, p.events);
        if (res.outcome === 'cut') throw streamCapReached(cap);
        return;
      case 'dropped':
        // Past the cap: dropped (its permission events were recorded), acked so the outbox drains.
        await this.approvals.afterEvents(s.subtask_id, p.events);
        return { truncated: true };
      default:
        return; // 'dup' (a resend) or 'final' (the subtask already ended): acked, not applied
    }
  }

  async complete(deviceId: string, p: TaskComplete): Promise<void> {
    // Its route is cached when this node streamed it (no read); the finish script re-checks the device.
    const s = await this.routes.get(p.subtask_id);
    if (!s || s.device_id !== deviceId) throw notFound(p.subtask_id);
    const r = await this.finisher.finish(s, p.status, {
      expectedDevice: deviceId, result: p.result, error: p.error, sessionId: p.session_id, usage: pickUsage(p.usage), changes: p.changes, requiredLastSeq: p.last_seq, pump: true,
    });
    if (r.outcome === 'notfound') throw notFound(p.subtask_id);
    if (r.outcome === 'gap') {
      throw new WegentError(ErrorCode.SEQ_GAP, `task:complete says last_seq ${p.last_seq} but only seq ${r.lastSeq} arrived; send the missing task:progress first.`);
    }
  }
}

function streamCapReached(cap: DispatchOptions['limits']): WegentError {
  return new WegentError(
    ErrorCode.LIMIT_EXCEEDED,
    `This subtask's stored output reached its cap (${cap.subtaskEventBytes} bytes or ${cap.subtaskEvents} events); this progress and later ones are not stored. Its task:complete is still taken.`,
    413,
  );
}

function notFound(subtaskId: string): WegentError {
  return new WegentError(ErrorCode.SUBTASK_NOT_FOUND, `No subtask "${subtaskId}" is assigned to this device.`, 404);
}
