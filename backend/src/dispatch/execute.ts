// Execute-until-acked: task:execute goes to the device's room (any node's socket answers) and is
// sent again until the device acks it, the subtask leaves its slot, or the device is offline. One
// loop per subtask per node; a duplicate emission from another node is harmless (the device treats
// a repeated subtask_id as the same task).
import { ErrorCode, type ProtocolError, type TaskContext } from '@wegent/shared';
import { idHome } from '../store/keys';
import { markRunning, requeueHead } from '../store/scripts/slots';
import type { SubtaskRecord } from '../tasks';
import type { Announcer } from './announce';
import type { DispatchDeps } from './deps';

/** What the loop does with a subtask the device refused (finish it failed, and refill the slot). */
export type Refuse = (s: SubtaskRecord, error: ProtocolError) => Promise<unknown>;

/** A subtask chat:send just wrote, with its context when known (or being read) without the loop. */
interface JustSent {
  s: SubtaskRecord;
  context?: TaskContext | Promise<TaskContext | undefined>;
}

export class Executions {
  /** Subtasks this node is currently sending task:execute for. */
  private readonly executing = new Set<string>();
  /**
   * What chat:send just wrote for a subtask that took a slot at once: its first task:execute goes out
   * without reading it back (two Redis round trips off every dispatch, see bench/trace.ts). Entries
   * live for one loop start; later attempts re-read as before.
   */
  private readonly justSent = new Map<string, JustSent>();

  constructor(
    private readonly d: DispatchDeps,
    private readonly announce: Announcer,
    private readonly refuse: Refuse,
  ) {}

  /** chat:send wrote `s` and it took a slot: the loop about to start may use it as written. */
  justWritten(s: SubtaskRecord, context?: JustSent['context']): void {
    this.justSent.set(s.subtask_id, { s, context });
  }

  start(deviceId: string, subtaskId: string): void {
    const sent = this.justSent.get(subtaskId);
    this.justSent.delete(subtaskId);
    if (this.executing.has(subtaskId)) return;
    this.executing.add(subtaskId);
    this.loop(deviceId, subtaskId, sent)
      .catch((err) => this.d.log.error({ err, subtaskId }, 'execute loop failed'))
      .finally(() => this.executing.delete(subtaskId));
  }

  private async loop(deviceId: string, subtaskId: string, justSent?: JustSent): Promise<void> {
    const { devices, tasks, notify, opts } = this.d;
    for (let attempt = 1; ; attempt++) {
      let s: SubtaskRecord | null;
      if (attempt === 1 && justSent) {
        // Written and found online by chat:send a moment ago; a cancel in between is caught by the
        // ack handling below (markRunning answers 'final' and the device is told to stop).
        s = justSent.s;
      } else {
        // One round trip for the three reads (auto-pipelined).
        const home = idHome(subtaskId);
        const [read, online, holds] = await Promise.all([tasks.getSubtask(subtaskId), devices.isOnline(home, deviceId), devices.holdsSlot(home, deviceId, subtaskId)]);
        if (!online) return; // the monitor fails it, or a re-register resumes
        s = holds ? read : null;
      }
      if (!s || s.status === 'running' || tasks.doneEvent(s)) return;
      // A context chat:send already knows (a new conversation) is used without an await: the first
      // task:execute then leaves in chat:send's own tick, ahead of the chat:start and the ack.
      const early = attempt === 1 ? justSent?.context : undefined;
      const context = (early instanceof Promise ? await early : early) ?? (await tasks.contextFor(s, s.user_id));
      const attachments = this.d.attachments.refs(s.subtask_id, s.attachments);
      // The first attempt on a lone node skips the adapter; a stale view costs one "nobody" (peers.ts).
      const here = attempt === 1 && this.d.peers.alone();
      const answer = await notify.execute(deviceId, { task_id: s.task_id, subtask_id: s.subtask_id, prompt: s.prompt, context, ...(attachments ? { attachments } : {}) }, opts.executeAckTimeoutMs, here);
      if (answer.kind === 'nobody') {
        // The socket is gone but the TTL has not lapsed: wait for it to come back (register resumes too).
        await new Promise((r) => setTimeout(r, Math.min(opts.executeAckTimeoutMs, 1000)));
        continue;
      }
      if (answer.kind === 'timeout') {
        this.d.log.debug({ subtaskId, attempt }, 'task:execute not acked in time; resending');
        continue;
      }
      const refusal = answer.ack.ok ? null : answer.ack.error ?? { code: ErrorCode.EXECUTOR_ERROR, message: 'The device refused the task.' };
      await this.answered(s, deviceId, refusal);
      return;
    }
  }

  /** The device's ack: running, back to the queue (SLOTS_FULL), or failed with its refusal. */
  private async answered(s: SubtaskRecord, deviceId: string, error: ProtocolError | null): Promise<void> {
    const { redis, devices, notify, metrics } = this.d;
    const subtaskId = s.subtask_id;
    if (!error || error.code === ErrorCode.DUPLICATE) {
      // Counted at the ack: a fast device may complete the task before markRunning runs ('final').
      metrics.dispatches.inc();
      const r = await markRunning(redis, { subtaskId, deviceId });
      if (r === 'ok') this.announce.running(s);
      else if (r === 'final') notify.cancelOnDevice(deviceId, { subtask_id: subtaskId });
      return;
    }
    if (error.code === ErrorCode.SLOTS_FULL) {
      if ((await requeueHead(redis, { subtaskId, deviceId })) === 'ok') await devices.markQueued(idHome(subtaskId), deviceId);
      await this.announce.requeued(s);
      return;
    }
    await this.refuse(s, error);
  }
}
