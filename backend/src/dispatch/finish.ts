// A subtask's final status, once (the finish script), and what follows any change of a device's
// slots: the promoted are sent, the chats hear of it. Every path that ends a subtask — completion,
// cancel, refusal, a lost or deleted device — comes through here.
import { DEFAULT_SLOTS, ErrorCode, type ProtocolError, type TaskChanges, type Usage } from '@wegent/shared';
import { heldFailure } from '../presenceWords';
import { idHome } from '../store/keys';
import { finish as finishScript, type FinishOutcome } from '../store/scripts/finish';
import { enqueue } from '../store/scripts/send';
import type { SubtaskRecord } from '../tasks';
import { loadChange, type Announcer, type KnownChange } from './announce';
import type { DispatchDeps } from './deps';
import type { Executions } from './execute';
import type { Routes } from './routes';

export type FinalStatus = 'completed' | 'failed' | 'cancelled';

export interface FinishOptions {
  /** Only this device may finish it (a task:complete). */
  expectedDevice?: string;
  result?: string;
  error?: ProtocolError;
  sessionId?: string;
  usage?: Usage;
  changes?: TaskChanges;
  /** The completion's last_seq: fewer seqs stored → 'gap', nothing changes. */
  requiredLastSeq?: number;
  /** Fill the freed slot from the queue (false while the whole device is being failed). */
  pump: boolean;
}

export class Finisher {
  constructor(
    private readonly d: DispatchDeps,
    private readonly routes: Routes,
    private readonly announce: Announcer,
    private readonly executions: Executions,
  ) {}

  /**
   * Moves a subtask to a final status once (Lua), then tells its owner and fills the freed slot.
   * With its user and requested device known, an own device's load comes back with the step.
   */
  async finish(s: Pick<SubtaskRecord, 'subtask_id' | 'device_id'> & Partial<Pick<SubtaskRecord, 'user_id' | 'requested_device'>>, status: FinalStatus, o: FinishOptions): Promise<FinishOutcome> {
    // It ran on the device it was sent to: the device is its user's (a pool device is the operator's).
    const ownerId = s.requested_device === s.device_id ? s.user_id : undefined;
    const r = await finishScript(this.d.redis, {
      subtaskId: s.subtask_id, deviceId: s.device_id, status, expectedDevice: o.expectedDevice, requiredLastSeq: o.requiredLastSeq, pump: o.pump,
      defaultSlots: DEFAULT_SLOTS, result: o.result, error: o.error, sessionId: o.sessionId, usage: o.usage, changes: o.changes, ownerId,
    });
    if (r.outcome !== 'done') return r;
    this.routes.forget(s.subtask_id);
    this.d.metrics.completions.inc({ status });
    // Usage is counted beside the conversation's touch (one round trip); a failure to count never fails the finish.
    const counted = this.d.usage.record(r.record).catch((err: Error) => this.d.log.warn({ err, subtaskId: s.subtask_id }, 'usage not counted'));
    // Attachments it never fetched are not kept for it (their TTL would take them anyway).
    if (r.record.attachments?.length) void this.d.attachments.release(r.record).catch((err: Error) => this.d.log.warn({ err, subtaskId: s.subtask_id }, 'attachments not released'));
    const [next] = await Promise.all([this.d.tasks.touchTask(r.record), counted]);
    this.d.notify.toUser(r.record.user_id, 'chat:done', this.d.tasks.doneEvent(r.record)!);
    // Positions behind it move when it left the queue itself or pulled the next one into a slot.
    const queue = r.promoted.length > 0 || !r.wasInSlot ? r.queue : null;
    // Nothing else moved and the step read the device's load: announced without reading it back.
    const known = r.load && ownerId && !r.promoted.length && !queue ? loadChange(ownerId, s.device_id, r.load, []) : undefined;
    this.slotsChanged(idHome(s.subtask_id), s.device_id, r.promoted, queue, known);
    if (next) await this.startHeld(next);
    return r;
  }

  /**
   * A follow-up that waited behind the turn that just ended holds its conversation now: it takes a
   * slot or its device's queue like a new send (its task:execute then carries that turn's session).
   * Its device gone meanwhile: it fails as a queued turn does, and the next one goes.
   */
  async startHeld(subtaskId: string): Promise<void> {
    const s = await this.d.tasks.getSubtask(subtaskId);
    if (!s) return;
    const home = idHome(subtaskId);
    const r = await enqueue(this.d.redis, { subtaskId, deviceId: s.device_id, defaultSlots: DEFAULT_SLOTS });
    // 'gone': it ended meanwhile (cancelled); its own finish passed the conversation on.
    if (r.result === 'gone') return;
    if (r.result === 'offline') {
      const message = heldFailure(await this.d.devices.get(home, s.device_id));
      await this.finish(s, 'failed', { error: { code: ErrorCode.DEVICE_UNAVAILABLE, message }, pump: true });
      return;
    }
    if (r.queuePosition > 0) await this.d.devices.markQueued(home, s.device_id);
    this.routes.remember(s);
    this.slotsChanged(home, s.device_id, r.promoted, r.queue);
  }

  /** Slots or the queue changed: send the promoted, then tell the chats (`queue`: null when it did not move). */
  slotsChanged(home: string, deviceId: string, promoted: string[], queue: string[] | null, known?: KnownChange): void {
    for (const id of promoted) this.executions.start(deviceId, id);
    this.announce.slotsChanged(home, deviceId, promoted, queue, known);
  }
}
