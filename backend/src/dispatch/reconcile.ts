// The device's view against the backend's: what a device says it runs (register, heartbeat) is
// squared with the slots it holds, and a device that is gone (lapsed, deleted, withdrawn from the
// pool) has what it held and what waited for it failed.
import { DEFAULT_SLOTS, ErrorCode } from '@wegent/shared';
import type { Approvals } from '../approvals';
import type { DeviceRecord } from '../devices';
import type { SubtaskRecord } from '../tasks';
import { userHome } from '../store/keys';
import { markRunning, pump } from '../store/scripts/slots';
import type { Announcer } from './announce';
import type { DispatchDeps } from './deps';
import type { Executions } from './execute';
import type { Finisher } from './finish';
import { offlineFailure } from '../presenceWords';

export class Reconciler {
  constructor(
    private readonly d: DispatchDeps,
    private readonly announce: Announcer,
    private readonly executions: Executions,
    private readonly finisher: Finisher,
    private readonly approvals: Approvals,
  ) {}

  /**
   * Squares the backend's view with the ids a device says it runs (register and heartbeat).
   * Returns ids the device should stop. A slot-holding subtask the device stopped reporting is
   * failed after two reports without it (one report of grace for a completion still in flight).
   */
  async reconcile(device: DeviceRecord, running: string[], prefetched?: { slots: string[]; queued: number }): Promise<string[]> {
    const { redis, devices, tasks } = this.d;
    const deviceId = device.device_id;
    const cancel: string[] = [];
    const reported = [...new Set(running)];
    // The slot ids and every record involved: one round trip however many (reads are pipelined).
    const home = userHome(device.user_id);
    const slotIds = prefetched?.slots ?? (await devices.slotIds(home, deviceId));
    const inSlot = new Set(slotIds);
    const unreported = slotIds.filter((id) => !reported.includes(id));
    const [reports, held, answers] = await Promise.all([
      Promise.all(reported.map((id) => tasks.getSubtask(id))),
      tasks.getSubtasks(unreported),
      // Answers from a chat that have not reached the device yet (it was away, or the backend restarted).
      this.approvals.undelivered(reported),
    ]);
    // Each subtask's step is independent of the others': they go out together, one round trip.
    const steps: Promise<unknown>[] = [];
    for (const [i, id] of reported.entries()) {
      const s = reports[i];
      if (!s || s.device_id !== deviceId || tasks.doneEvent(s) || s.cancel_requested) {
        cancel.push(id);
        continue;
      }
      if (s.missing_beats > 0) steps.push(tasks.clearMissing(id));
      if (inSlot.has(id) && s.status !== 'running') {
        steps.push(markRunning(redis, { subtaskId: id, deviceId }).then((r) => r === 'ok' && this.announce.running(s)));
      }
    }
    const lost: SubtaskRecord[] = [];
    for (const s of held) {
      if (s.status !== 'running') {
        // Not acked yet: make sure some node is sending it (the node that dispatched it may be gone).
        this.executions.start(deviceId, s.subtask_id);
        continue;
      }
      steps.push(tasks.bumpMissing(s.subtask_id).then((missed) => missed >= 2 && lost.push(s)));
    }
    for (const id of cancel) answers.delete(id);
    this.approvals.resume(deviceId, answers);
    await Promise.all(steps);
    for (const s of lost) {
      await this.finisher.finish(s, 'failed', {
        error: { code: ErrorCode.EXECUTOR_ERROR, message: 'The device stopped running this task without reporting a result (was the executor restarted?). Send it again.' },
        pump: true,
      });
    }
    // A slot may have freed while a device refused with SLOTS_FULL: try the queue again.
    // (An empty queue has nothing to pull; a send queued since then pumps in its own send script.)
    if (prefetched?.queued === 0) return cancel;
    const { promoted, queue } = await pump(redis, { home, deviceId, defaultSlots: DEFAULT_SLOTS });
    if (promoted.length) this.finisher.slotsChanged(home, deviceId, promoted, queue);
    return cancel;
  }

  /**
   * The device's online TTL lapsed, it was deleted, or (cloud) it was withdrawn from the pool because
   * its owner lost the operator role: fail what it held and what waited for it.
   */
  async failDevice(home: string, deviceId: string, reason: 'offline' | 'deleted' | 'withdrawn'): Promise<void> {
    const { devices, tasks, notify } = this.d;
    const [slotIds, queued] = await Promise.all([devices.slotIds(home, deviceId), devices.queueIds(home, deviceId)]);
    const inSlot = new Set(slotIds);
    const lostAt = reason === 'offline' ? ((await devices.get(home, deviceId))?.disconnected_at ?? null) : null;
    for (const s of await tasks.getSubtasks([...slotIds, ...queued])) {
      if (tasks.doneEvent(s)) continue;
      if (reason !== 'offline' && inSlot.has(s.subtask_id)) notify.cancelOnDevice(deviceId, { subtask_id: s.subtask_id });
      if (s.cancel_requested) {
        await this.finisher.finish(s, 'cancelled', { pump: false });
      } else if (reason === 'offline' && s.status === 'running') {
        await this.finisher.finish(s, 'failed', { error: { code: ErrorCode.DEVICE_OFFLINE, message: offlineFailure(lostAt, true) }, pump: false });
      } else {
        const why = reason === 'deleted' ? 'The device was deleted before this task finished.'
          : reason === 'withdrawn' ? 'The cloud executor running this task left the pool (its operator lost the operator role) before it finished.'
          : null;
        const message = why ? `${why} Pick another device and send it again.` : offlineFailure(lostAt, false);
        await this.finisher.finish(s, 'failed', { error: { code: ErrorCode.DEVICE_UNAVAILABLE, message }, pump: false });
      }
    }
  }
}
