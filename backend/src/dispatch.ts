// Slots, per-device FIFO queues and execute-until-acked. Every state change that could race (two
// sends for the last slot, a completion pulling the next queued subtask, a seq applied twice) is
// one Lua script in store/scripts.ts; this file sequences them and tells the owner what happened.
import type { Redis } from 'ioredis';
import {
  CLOUD_DEVICE_ID, ErrorCode, LIMITS, WegentError,
  type ChatSend, type ChatSendOk, type TaskContext, type ProtocolError, type TaskComplete, type TaskProgress, type UserView,
} from '@wegent/shared';
import { deviceNotFound, type Devices, type DeviceRecord } from './devices';
import type { Logger } from './log';
import type { Metrics } from './metrics';
import type { Notifier } from './notifier';
import { keys } from './store/keys';
import type { Scripts } from './store/scripts';
import { runSend } from './store/sendScript';
import { taskNotFound, type SubtaskRecord, type Tasks } from './tasks';

export interface DispatchOptions {
  executeAckTimeoutMs: number;
  maxQueuePerDevice: number;
}

type FinishResult = { outcome: 'notfound' | 'already' | 'gap' | 'done'; lastSeq?: number; promoted: string[] };

export class Dispatcher {
  /** Subtasks this node is currently sending task:execute for (one loop per subtask per node). */
  private readonly executing = new Set<string>();
  /**
   * Immutable routing facts of subtasks being streamed (task, owner, device), so the hot progress
   * path costs one Lua call instead of a read plus the call. Bounded; the script re-checks the device.
   */
  private readonly routes = new Map<string, Pick<SubtaskRecord, 'task_id' | 'user_id' | 'device_id' | 'requested_device' | 'subtask_id'>>();
  /**
   * What chat:send just wrote for a subtask that took a slot at once: its first task:execute goes out
   * without reading it back (two Redis round trips off every dispatch, see bench/trace.ts). Entries
   * live for one loop start; later attempts re-read as before.
   */
  private readonly justSent = new Map<string, { s: SubtaskRecord; context?: TaskContext }>();

  constructor(
    private readonly redis: Redis,
    private readonly scripts: Scripts,
    private readonly devices: Devices,
    private readonly tasks: Tasks,
    private readonly notify: Notifier,
    private readonly opts: DispatchOptions,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  // ---- chat side ----------------------------------------------------------------------------

  async send(user: UserView, p: ChatSend): Promise<ChatSendOk> {
    const cloud = p.device_id === CLOUD_DEVICE_ID;
    const pool = cloud ? await this.devices.pickCloud() : null;
    if (cloud && !pool) throw cloudUnavailable();
    const { task_id, subtask, newTask } = this.tasks.newTurn(user.id, pool?.device_id ?? p.device_id, p.device_id, p.message, p.task_id);
    // Checks, records, slot or queue place and the conversation link: one script, one round trip.
    const r = await runSend(this.scripts, {
      userId: user.id, deviceId: subtask.device_id, requestedDevice: p.device_id, checkOwner: !cloud,
      taskId: task_id, newTask, subtaskId: subtask.subtask_id, prompt: p.message, nowIso: subtask.created_at, maxQueue: this.opts.maxQueuePerDevice,
    });
    switch (r.result) {
      case 'nodevice':
        if (cloud) throw cloudUnavailable();
        throw deviceNotFound(p.device_id);
      case 'offline':
        if (cloud) throw cloudUnavailable();
        throw new WegentError(ErrorCode.DEVICE_OFFLINE, `The device "${r.name}" is offline. Start its executor (VS Code: "Wegent: Connect Device") or pick another device.`, 409);
      case 'notask':
        throw taskNotFound(task_id);
      case 'full':
        this.metrics.chatSends.inc({ result: 'queue_full' });
        throw new WegentError(ErrorCode.QUEUE_FULL, `The device "${r.name}" already has ${this.opts.maxQueuePerDevice} tasks waiting. Wait for some to finish or cancel them.`, 429);
    }
    const position = r.queuePosition;
    const status = position > 0 ? 'queued' : 'running';
    this.metrics.chatSends.inc({ result: status });
    // Its routing facts are known now: the first task:progress (on this node) needs no read.
    this.remember(subtask);
    if (r.promoted.includes(subtask.subtask_id)) {
      // A new conversation has no history or session yet: its context is known without reading.
      this.justSent.set(subtask.subtask_id, { s: { ...subtask, in_slot: true }, context: newTask ? { user_id: user.id } : undefined });
    }
    // task:execute first (it is what the device waits for), then the chat hears of its turn in the
    // same tick, long before any output can come back.
    this.afterSlotsChanged(subtask.device_id, r.promoted);
    this.notify.toUser(user.id, 'chat:start', {
      task_id, subtask_id: subtask.subtask_id, device_id: p.device_id,
      status: position > 0 ? 'queued' : 'pending', ...(position > 0 ? { queue_position: position } : {}), prompt: p.message,
    });
    return { task_id, subtask_id: subtask.subtask_id, status, ...(position > 0 ? { queue_position: position } : {}) };
  }

  async cancel(user: UserView, subtaskId: string): Promise<void> {
    const s = await this.tasks.getOwnedSubtask(user.id, subtaskId);
    if (this.tasks.doneEvent(s)) return;
    if (s.status === 'running') {
      // The device stops it and reports task:complete "cancelled"; heartbeats repeat the request.
      await this.tasks.setFlag(s.subtask_id, 'cancel_requested', true);
      this.notify.cancelOnDevice(s.device_id, { subtask_id: s.subtask_id });
      return;
    }
    // Not started on the device yet: cancelled at once (and the device told, in case an ack is in flight).
    await this.finish(s, 'cancelled', { pump: true });
    if (s.in_slot) this.notify.cancelOnDevice(s.device_id, { subtask_id: s.subtask_id });
  }

  // ---- device side --------------------------------------------------------------------------

  async progress(deviceId: string, p: TaskProgress): Promise<void> {
    // The events are serialized once: for the size limit and, spliced in, for the stored chunk.
    const eventsJson = JSON.stringify(p.events);
    if (Buffer.byteLength(eventsJson) > LIMITS.progressBytes) {
      throw new WegentError(ErrorCode.PAYLOAD_TOO_LARGE, `One task:progress may carry at most ${LIMITS.progressBytes} bytes of events; split it into several seqs.`, 413);
    }
    const s = await this.route(p.subtask_id);
    if (!s || s.device_id !== deviceId) throw notFound(p.subtask_id);
    const chunk = { task_id: s.task_id, subtask_id: s.subtask_id, seq: p.seq, events: p.events };
    const res = await this.scripts.run<(string | number)[]>(
      'progress',
      [keys.subtask(s.subtask_id), keys.subtaskEvents(s.subtask_id)],
      [deviceId, p.seq, `${JSON.stringify({ task_id: s.task_id, subtask_id: s.subtask_id, seq: p.seq }).slice(0, -1)},"events":${eventsJson}}`, new Date().toISOString()],
    );
    switch (res[0]) {
      case 'notfound':
        throw notFound(p.subtask_id);
      case 'gap':
        throw new WegentError(ErrorCode.SEQ_GAP, `Expected seq ${Number(res[1]) + 1} for subtask "${s.subtask_id}", got ${p.seq}; send the missing seqs first, in order.`);
      case 'applied':
        this.metrics.progressEvents.inc(p.events.length);
        if (Number(res[1]) === 1) {
          const full = await this.tasks.getSubtask(s.subtask_id);
          if (full) this.notifyRunning(full);
        }
        this.notify.toUser(s.user_id, 'chat:chunk', chunk);
        return;
      default:
        return; // 'dup' (a resend) or 'final' (the subtask already ended): acked, not applied
    }
  }

  async complete(deviceId: string, p: TaskComplete): Promise<void> {
    const s = await this.tasks.getSubtask(p.subtask_id);
    if (!s || s.device_id !== deviceId) throw notFound(p.subtask_id);
    const r = await this.finish(s, p.status, {
      expectedDevice: deviceId, result: p.result, error: p.error, sessionId: p.session_id, usage: p.usage, requiredLastSeq: p.last_seq, pump: true,
    });
    if (r.outcome === 'notfound') throw notFound(p.subtask_id);
    if (r.outcome === 'gap') {
      throw new WegentError(ErrorCode.SEQ_GAP, `task:complete says last_seq ${p.last_seq} but only seq ${r.lastSeq} arrived; send the missing task:progress first.`);
    }
  }

  /**
   * Squares the backend's view with the ids a device says it runs (register and heartbeat).
   * Returns ids the device should stop. A slot-holding subtask the device stopped reporting is
   * failed after two reports without it (one report of grace for a completion still in flight).
   */
  async reconcile(device: DeviceRecord, running: string[], prefetched?: { slots: string[]; queued: number }): Promise<string[]> {
    const cancel: string[] = [];
    const reported = new Set(running);
    for (const id of reported) {
      const s = await this.tasks.getSubtask(id);
      if (!s || s.device_id !== device.device_id || this.tasks.doneEvent(s) || s.cancel_requested) {
        cancel.push(id);
        continue;
      }
      await this.tasks.clearMissing(id);
      if (s.in_slot && s.status !== 'running') {
        const r = await this.scripts.run<string>('markRunning', [keys.subtask(id)], [new Date().toISOString()]);
        if (r === 'ok') this.notifyRunning(s);
      }
    }
    for (const id of prefetched?.slots ?? (await this.redis.smembers(keys.deviceSlots(device.device_id)))) {
      if (reported.has(id)) continue;
      const s = await this.tasks.getSubtask(id);
      if (!s) continue;
      if (s.status !== 'running') {
        // Not acked yet: make sure some node is sending it (the node that dispatched it may be gone).
        // A duplicate emission is harmless: the device treats a repeated subtask_id as the same task.
        this.startExecution(device.device_id, id);
        continue;
      }
      if ((await this.tasks.bumpMissing(id)) >= 2) {
        await this.finish(s, 'failed', {
          error: { code: ErrorCode.EXECUTOR_ERROR, message: 'The device stopped running this task without reporting a result (was the executor restarted?). Send it again.' },
          pump: true,
        });
      }
    }
    // A slot may have freed while a device refused with SLOTS_FULL: try the queue again.
    // (An empty queue has nothing to pull; a send queued since then pumps in its own enqueue script.)
    if (prefetched?.queued === 0) return cancel;
    const promoted = await this.scripts.run<string[]>('pumpOnly', [keys.deviceSlots(device.device_id), keys.deviceQueue(device.device_id)], [device.max_slots, this.scripts.prefix]);
    if (promoted.length) this.afterSlotsChanged(device.device_id, promoted);
    return cancel;
  }

  /** The device's online TTL lapsed (or it was deleted): fail what it held and what waited for it. */
  async failDevice(deviceId: string, reason: 'offline' | 'deleted'): Promise<void> {
    const slotIds = await this.redis.smembers(keys.deviceSlots(deviceId));
    const queued = await this.redis.lrange(keys.deviceQueue(deviceId), 0, -1);
    for (const id of [...slotIds, ...queued]) {
      const s = await this.tasks.getSubtask(id);
      if (!s || this.tasks.doneEvent(s)) continue;
      if (reason === 'deleted' && s.in_slot) this.notify.cancelOnDevice(deviceId, { subtask_id: id });
      if (s.cancel_requested) {
        await this.finish(s, 'cancelled', { pump: false });
      } else if (reason === 'offline' && s.status === 'running') {
        await this.finish(s, 'failed', { error: { code: ErrorCode.DEVICE_OFFLINE, message: 'The device went offline (no heartbeat within its online TTL) while running this task. Send it again when the device is back.' }, pump: false });
      } else {
        const why = reason === 'deleted' ? 'The device was deleted before this task finished.' : 'The device went offline before this task could start.';
        await this.finish(s, 'failed', { error: { code: ErrorCode.DEVICE_UNAVAILABLE, message: `${why} Pick another device and send it again.` }, pump: false });
      }
    }
  }

  async emitDeviceStatus(deviceId: string): Promise<void> {
    const d = await this.devices.get(deviceId);
    if (d) this.notify.toUser(d.user_id, 'device:status', await this.devices.statusEvent(d));
  }

  // ---- internals ----------------------------------------------------------------------------

  private async route(subtaskId: string) {
    const cached = this.routes.get(subtaskId);
    if (cached) return cached;
    const s = await this.tasks.getSubtask(subtaskId);
    return s ? this.remember(s) : null;
  }

  private remember(s: SubtaskRecord) {
    const r = { subtask_id: s.subtask_id, task_id: s.task_id, user_id: s.user_id, device_id: s.device_id, requested_device: s.requested_device };
    if (this.routes.size >= 10_000) this.routes.delete(this.routes.keys().next().value!);
    this.routes.set(s.subtask_id, r);
    return r;
  }

  /** Moves a subtask to a final status once (Lua), then tells its owner and fills the freed slot. */
  async finish(
    s: SubtaskRecord,
    status: 'completed' | 'failed' | 'cancelled',
    o: { expectedDevice?: string; result?: string; error?: ProtocolError; sessionId?: string; usage?: unknown; requiredLastSeq?: number; pump: boolean },
  ): Promise<FinishResult> {
    const device = o.pump ? await this.devices.get(s.device_id) : null;
    const res = await this.scripts.run<(string | number)[]>(
      'finish',
      [keys.subtask(s.subtask_id), keys.deviceSlots(s.device_id), keys.deviceQueue(s.device_id)],
      [
        s.subtask_id, o.expectedDevice ?? '', status, new Date().toISOString(), o.result ?? '', o.error ? JSON.stringify(o.error) : '',
        o.sessionId ?? '', o.usage ? JSON.stringify(o.usage) : '', device?.max_slots ?? 0, this.scripts.prefix, o.requiredLastSeq ?? -1,
      ],
    );
    const outcome = res[0] as FinishResult['outcome'];
    if (outcome !== 'done') return { outcome, lastSeq: Number(res[1]), promoted: [] };
    const promoted = res.slice(1).map(String);
    this.routes.delete(s.subtask_id);
    const final = (await this.tasks.getSubtask(s.subtask_id))!;
    this.metrics.completions.inc({ status });
    await this.tasks.touchTask(final);
    this.notify.toUser(final.user_id, 'chat:done', this.tasks.doneEvent(final)!);
    // Positions behind it move when it left the queue itself or pulled the next one into a slot.
    this.afterSlotsChanged(s.device_id, promoted, promoted.length > 0 || !s.in_slot);
    return { outcome, promoted };
  }

  /** After slots or the queue changed: start the promoted, tell queued owners their new position. */
  private afterSlotsChanged(deviceId: string, promoted: string[], queueMoved = promoted.length > 0): void {
    for (const id of promoted) this.startExecution(deviceId, id);
    void this.announceQueue(deviceId, promoted, queueMoved).catch((err) => this.log.error({ err, deviceId }, 'queue announcement failed'));
  }

  private async announceQueue(deviceId: string, promoted: string[], queueMoved: boolean): Promise<void> {
    for (const id of promoted) {
      const s = await this.tasks.getSubtask(id);
      if (s) this.notify.toUser(s.user_id, 'chat:status', { task_id: s.task_id, subtask_id: id, device_id: s.requested_device, status: s.status });
    }
    if (queueMoved) {
      const queue = await this.redis.lrange(keys.deviceQueue(deviceId), 0, -1);
      for (const [i, id] of queue.entries()) {
        const s = await this.tasks.getSubtask(id);
        if (s) this.notify.toUser(s.user_id, 'chat:status', { task_id: s.task_id, subtask_id: id, device_id: s.requested_device, status: 'queued', queue_position: i + 1 });
      }
    }
    await this.emitDeviceStatus(deviceId);
  }

  private notifyRunning(s: SubtaskRecord): void {
    this.notify.toUser(s.user_id, 'chat:status', { task_id: s.task_id, subtask_id: s.subtask_id, device_id: s.requested_device, status: 'running' });
    void this.tasks.touchTask({ ...s, status: 'running' }).catch(() => {});
  }

  /** Sends task:execute until the device acks it, the subtask leaves its slot, or the device is offline. */
  startExecution(deviceId: string, subtaskId: string): void {
    const sent = this.justSent.get(subtaskId);
    this.justSent.delete(subtaskId);
    if (this.executing.has(subtaskId)) return;
    this.executing.add(subtaskId);
    this.executeLoop(deviceId, subtaskId, sent)
      .catch((err) => this.log.error({ err, subtaskId }, 'execute loop failed'))
      .finally(() => this.executing.delete(subtaskId));
  }

  private async executeLoop(deviceId: string, subtaskId: string, justSent?: { s: SubtaskRecord; context?: TaskContext }): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      let s: SubtaskRecord | null;
      if (attempt === 1 && justSent) {
        // Written and found online by chat:send a moment ago; a cancel in between is caught by the
        // ack handling below (markRunning answers 'final' and the device is told to stop).
        s = justSent.s;
      } else {
        // One round trip for both reads (auto-pipelined).
        const [read, online] = await Promise.all([this.tasks.getSubtask(subtaskId), this.devices.isOnline(deviceId)]);
        if (!online) return; // the monitor fails it, or a re-register resumes
        s = read;
      }
      if (!s || !s.in_slot || s.status === 'running' || this.tasks.doneEvent(s)) return;
      const context = (attempt === 1 ? justSent?.context : undefined) ?? (await this.tasks.contextFor(s, s.user_id));
      const answer = await this.notify.execute(deviceId, { task_id: s.task_id, subtask_id: s.subtask_id, prompt: s.prompt, context }, this.opts.executeAckTimeoutMs);
      if (answer.kind === 'nobody') {
        // The socket is gone but the TTL has not lapsed: wait for it to come back (register resumes too).
        await new Promise((r) => setTimeout(r, Math.min(this.opts.executeAckTimeoutMs, 1000)));
        continue;
      }
      if (answer.kind === 'timeout') {
        this.log.debug({ subtaskId, attempt }, 'task:execute not acked in time; resending');
        continue;
      }
      const ack = answer.ack;
      if (ack.ok || ack.error?.code === ErrorCode.DUPLICATE) {
        // Counted at the ack: a fast device may complete the task before markRunning runs ('final').
        this.metrics.dispatches.inc();
        const r = await this.scripts.run<string>('markRunning', [keys.subtask(subtaskId)], [new Date().toISOString()]);
        if (r === 'ok') {
          this.notifyRunning(s);
        } else if (r === 'final') {
          this.notify.cancelOnDevice(deviceId, { subtask_id: subtaskId });
        }
        return;
      }
      if (ack.error?.code === ErrorCode.SLOTS_FULL) {
        await this.scripts.run('requeueHead', [keys.subtask(subtaskId), keys.deviceSlots(deviceId), keys.deviceQueue(deviceId), keys.queuedDevices], [subtaskId, deviceId]);
        this.notify.toUser(s.user_id, 'chat:status', { task_id: s.task_id, subtask_id: subtaskId, device_id: s.requested_device, status: 'queued', queue_position: 1 });
        await this.emitDeviceStatus(deviceId);
        return;
      }
      const error = ack.error ?? { code: ErrorCode.EXECUTOR_ERROR, message: 'The device refused the task.' };
      await this.finish(s, 'failed', { error, pump: true });
      return;
    }
  }
}

function cloudUnavailable(): WegentError {
  return new WegentError(ErrorCode.CLOUD_UNAVAILABLE, 'No cloud executor is online right now. Try again later or pick one of your own devices.', 503);
}

function notFound(subtaskId: string): WegentError {
  return new WegentError(ErrorCode.SUBTASK_NOT_FOUND, `No subtask "${subtaskId}" is assigned to this device.`, 404);
}
