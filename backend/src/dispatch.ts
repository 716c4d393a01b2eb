// Slots, per-device FIFO queues and execute-until-acked. Every state change that could race (two
// sends for the last slot, a completion pulling the next queued subtask, a seq applied twice) is
// one Lua script (store/scripts/); this file sequences them and tells the owner what happened.
import type { Redis } from 'ioredis';
import {
  CLOUD_DEVICE_ID, DEFAULT_SLOTS, ErrorCode, LIMITS, WegentError,
  type ChatSend, type ChatSendOk, type TaskContext, type ProtocolError, type TaskComplete, type TaskProgress, type UserView,
} from '@wegent/shared';
import { deviceNotFound, type Devices, type DeviceRecord } from './devices';
import type { Logger } from './log';
import type { Metrics } from './metrics';
import type { Notifier } from './notifier';
import { idHome, keys, userHome } from './store/keys';
import { finish as finishScript, type FinishOutcome } from './store/scripts/finish';
import type { Approvals } from './approvals';
import type { Limits } from './config';
import { truncationNote } from './streamCap';
import { approvalOps } from './store/scripts/approvals';
import { progress as progressScript } from './store/scripts/progress';
import { attachTurn, send as sendScript, sendPool, type SendInput, type SendOutcome } from './store/scripts/send';
import { markRunning, pump, requeueHead } from './store/scripts/slots';
import { taskNotFound, type SubtaskRecord, type Tasks } from './tasks';

export interface DispatchOptions {
  executeAckTimeoutMs: number;
  maxQueuePerDevice: number;
  limits: Pick<Limits, 'subtaskEventBytes' | 'subtaskEvents'>;
}


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
    private readonly devices: Devices,
    private readonly tasks: Tasks,
    private readonly notify: Notifier,
    private readonly opts: DispatchOptions,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly approvals: Approvals,
  ) {}

  // ---- chat side ----------------------------------------------------------------------------

  async send(user: UserView, p: ChatSend): Promise<ChatSendOk> {
    const cloud = p.device_id === CLOUD_DEVICE_ID;
    const pool = cloud ? await this.devices.pickCloud() : null;
    if (cloud && !pool) throw cloudUnavailable();
    // The subtask lives where its device does: the user's home, or the pool operator's (keys.ts).
    const home = pool ? userHome(pool.user_id) : userHome(user.id);
    const { subtask, newTask } = this.tasks.newTurn(user.id, pool?.device_id ?? p.device_id, p.device_id, p.message, p.task_id, p.permission_mode, home);
    const task_id = subtask.task_id;
    // Checks, records, slot or queue place and the conversation link: one script, one round trip
    // (two steps for the pool, whose device lives at another home than the conversation).
    const input: SendInput = { subtask, newTask, checkOwner: !cloud, maxQueue: this.opts.maxQueuePerDevice, defaultSlots: DEFAULT_SLOTS };
    const r = cloud ? await this.sendToPool(input) : await sendScript(this.redis, input);
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
    if (position > 0) await this.markQueued(home, subtask.device_id);
    this.metrics.chatSends.inc({ result: status });
    // Its routing facts are known now: the first task:progress (on this node) needs no read.
    this.remember(subtask);
    if (r.promoted.includes(subtask.subtask_id)) {
      // A new conversation has no history or session yet: its context is known without reading.
      const context = newTask ? { user_id: user.id, ...(p.permission_mode ? { permission_mode: p.permission_mode } : {}) } : undefined;
      this.justSent.set(subtask.subtask_id, { s: subtask, context });
    }
    // task:execute first (it is what the device waits for), then the chat hears of its turn in the
    // same tick, long before any output can come back.
    this.afterSlotsChanged(home, subtask.device_id, r.promoted, r.promoted.length > 0 ? r.queue : null);
    this.notify.toUser(user.id, 'chat:start', {
      task_id, subtask_id: subtask.subtask_id, device_id: p.device_id,
      status: position > 0 ? 'queued' : 'pending', ...(position > 0 ? { queue_position: position } : {}), prompt: p.message,
      ...(p.permission_mode ? { permission_mode: p.permission_mode } : {}),
    });
    return { task_id, subtask_id: subtask.subtask_id, status, ...(position > 0 ? { queue_position: position } : {}) };
  }

  /**
   * A send to the pool in two steps: the device's checks, record and slot at the operator's home,
   * then the conversation link at the user's. A follow-up's conversation is checked first, so a
   * refused send still writes nothing; if the link is refused after all, the turn is cancelled.
   */
  private async sendToPool(input: SendInput): Promise<SendOutcome> {
    const s = input.subtask;
    if (!input.newTask && (await this.redis.hget(keys.task(s.task_id), 'user_id')) !== s.user_id) return { result: 'notask', name: '' };
    const r = await sendPool(this.redis, input);
    if (r.result !== 'ok') return r;
    if ((await attachTurn(this.redis, { subtask: s, newTask: input.newTask, status: r.status })) === 'notask') {
      await this.finish({ ...s, status: r.status }, 'cancelled', { pump: true });
      return { result: 'notask', name: r.name };
    }
    return r;
  }

  async cancel(user: UserView, subtaskId: string): Promise<void> {
    const s = await this.tasks.getOwnedSubtask(user.id, subtaskId);
    if (this.tasks.doneEvent(s)) return;
    if (s.status === 'running') {
      // The device stops it and reports task:complete "cancelled"; heartbeats repeat the request.
      await this.tasks.requestCancel(s.subtask_id);
      this.notify.cancelOnDevice(s.device_id, { subtask_id: s.subtask_id });
      return;
    }
    // Not started on the device yet: cancelled at once (and the device told, in case an ack is in flight).
    const r = await this.finish(s, 'cancelled', { pump: true });
    if (r.outcome === 'done' && r.wasInSlot) this.notify.cancelOnDevice(s.device_id, { subtask_id: s.subtask_id });
  }

  // ---- device side --------------------------------------------------------------------------

  async progress(deviceId: string, p: TaskProgress): Promise<{ truncated: true } | void> {
    // The events are serialized once: for the size limit and, spliced in, for the stored chunk.
    const eventsJson = JSON.stringify(p.events);
    if (Buffer.byteLength(eventsJson) > LIMITS.progressBytes) {
      throw new WegentError(ErrorCode.PAYLOAD_TOO_LARGE, `One task:progress may carry at most ${LIMITS.progressBytes} bytes of events; split it into several seqs.`, 413);
    }
    const s = await this.route(p.subtask_id);
    if (!s || s.device_id !== deviceId) throw notFound(p.subtask_id);
    const chunk = { task_id: s.task_id, subtask_id: s.subtask_id, seq: p.seq, events: p.events };
    const cap = this.opts.limits;
    const note = { ...chunk, events: [truncationNote(cap)] };
    const res = await progressScript(this.redis, {
      subtaskId: s.subtask_id, deviceId, seq: p.seq,
      chunkJson: `${JSON.stringify({ task_id: s.task_id, subtask_id: s.subtask_id, seq: p.seq }).slice(0, -1)},"events":${eventsJson}}`,
      eventCount: p.events.length, maxBytes: cap.subtaskEventBytes, maxEvents: cap.subtaskEvents, noteJson: JSON.stringify(note),
      approvalOps: approvalOps(p.events, new Date().toISOString()),
    });
    switch (res.outcome) {
      case 'notfound':
        throw notFound(p.subtask_id);
      case 'gap':
        throw new WegentError(ErrorCode.SEQ_GAP, `Expected seq ${res.lastSeq + 1} for subtask "${s.subtask_id}", got ${p.seq}; send the missing seqs first, in order.`);
      case 'applied':
      case 'cut':
        this.metrics.progressEvents.inc(p.events.length);
        if (res.started) {
          const full = await this.tasks.getSubtask(s.subtask_id);
          if (full) this.notifyRunning(full);
        }
        this.notify.toUser(s.user_id, 'chat:chunk', res.outcome === 'cut' ? note : chunk);
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
    const deviceId = device.device_id;
    const cancel: string[] = [];
    const reported = new Set(running);
    // The slot ids and every record involved: two round trips however many (reads are pipelined).
    const home = userHome(device.user_id);
    const slotIds = prefetched?.slots ?? (await this.redis.smembers(keys.deviceSlots(home, deviceId)));
    const inSlot = new Set(slotIds);
    const unreported = slotIds.filter((id) => !reported.has(id));
    const [reports, held] = await Promise.all([
      Promise.all([...reported].map((id) => this.tasks.getSubtask(id))),
      this.tasks.getSubtasks(unreported),
    ]);
    for (const [i, id] of [...reported].entries()) {
      const s = reports[i];
      if (!s || s.device_id !== deviceId || this.tasks.doneEvent(s) || s.cancel_requested) {
        cancel.push(id);
        continue;
      }
      await this.tasks.clearMissing(id);
      if (inSlot.has(id) && s.status !== 'running') {
        if ((await markRunning(this.redis, { subtaskId: id, deviceId })) === 'ok') this.notifyRunning(s);
      }
    }
    for (const s of held) {
      if (s.status !== 'running') {
        // Not acked yet: make sure some node is sending it (the node that dispatched it may be gone).
        // A duplicate emission is harmless: the device treats a repeated subtask_id as the same task.
        this.startExecution(deviceId, s.subtask_id);
        continue;
      }
      if ((await this.tasks.bumpMissing(s.subtask_id)) >= 2) {
        await this.finish(s, 'failed', {
          error: { code: ErrorCode.EXECUTOR_ERROR, message: 'The device stopped running this task without reporting a result (was the executor restarted?). Send it again.' },
          pump: true,
        });
      }
    }
    // Answers from a chat that have not reached the device yet (it was away, or the backend restarted).
    await this.approvals.resume(deviceId, [...reported].filter((id) => !cancel.includes(id)));
    // A slot may have freed while a device refused with SLOTS_FULL: try the queue again.
    // (An empty queue has nothing to pull; a send queued since then pumps in its own send script.)
    if (prefetched?.queued === 0) return cancel;
    const { promoted, queue } = await pump(this.redis, { home, deviceId, defaultSlots: DEFAULT_SLOTS });
    if (promoted.length) this.afterSlotsChanged(home, deviceId, promoted, queue);
    return cancel;
  }

  /**
   * The device's online TTL lapsed, it was deleted, or (cloud) it was withdrawn from the pool because
   * its owner lost the operator role: fail what it held and what waited for it.
   */
  async failDevice(home: string, deviceId: string, reason: 'offline' | 'deleted' | 'withdrawn'): Promise<void> {
    const [slotIds, queued] = await Promise.all([this.redis.smembers(keys.deviceSlots(home, deviceId)), this.redis.lrange(keys.deviceQueue(home, deviceId), 0, -1)]);
    const inSlot = new Set(slotIds);
    for (const s of await this.tasks.getSubtasks([...slotIds, ...queued])) {
      if (this.tasks.doneEvent(s)) continue;
      if (reason !== 'offline' && inSlot.has(s.subtask_id)) this.notify.cancelOnDevice(deviceId, { subtask_id: s.subtask_id });
      if (s.cancel_requested) {
        await this.finish(s, 'cancelled', { pump: false });
      } else if (reason === 'offline' && s.status === 'running') {
        await this.finish(s, 'failed', { error: { code: ErrorCode.DEVICE_OFFLINE, message: 'The device went offline (no heartbeat within its online TTL) while running this task. Send it again when the device is back.' }, pump: false });
      } else {
        const why = reason === 'deleted' ? 'The device was deleted before this task finished.'
          : reason === 'withdrawn' ? 'The cloud executor running this task left the pool (its operator lost the operator role) before it finished.'
          : 'The device went offline before this task could start.';
        await this.finish(s, 'failed', { error: { code: ErrorCode.DEVICE_UNAVAILABLE, message: `${why} Pick another device and send it again.` }, pump: false });
      }
    }
  }

  /** `home`: where the device lives (keys.ts). */
  async emitDeviceStatus(home: string, deviceId: string): Promise<void> {
    const d = await this.devices.get(home, deviceId);
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
  ): Promise<FinishOutcome> {
    const r = await finishScript(this.redis, {
      subtaskId: s.subtask_id, deviceId: s.device_id, status, expectedDevice: o.expectedDevice, requiredLastSeq: o.requiredLastSeq, pump: o.pump,
      defaultSlots: DEFAULT_SLOTS, result: o.result, error: o.error, sessionId: o.sessionId, usage: o.usage,
    });
    if (r.outcome !== 'done') return r;
    this.routes.delete(s.subtask_id);
    this.metrics.completions.inc({ status });
    await this.tasks.touchTask(r.record);
    this.notify.toUser(r.record.user_id, 'chat:done', this.tasks.doneEvent(r.record)!);
    // Positions behind it move when it left the queue itself or pulled the next one into a slot.
    this.afterSlotsChanged(idHome(s.subtask_id), s.device_id, r.promoted, r.promoted.length > 0 || !r.wasInSlot ? r.queue : null);
    return r;
  }

  /**
   * After slots or the queue changed: start the promoted, tell their owners, and tell every queued
   * owner its new position (`queue`: the queue as it now stands, null when it did not move).
   */
  private afterSlotsChanged(home: string, deviceId: string, promoted: string[], queue: string[] | null): void {
    for (const id of promoted) this.startExecution(deviceId, id);
    void this.announceQueue(home, deviceId, promoted, queue).catch((err) => this.log.error({ err, deviceId }, 'queue announcement failed'));
  }

  /** Two round trips (the records, then the device view) however long the queue. */
  private async announceQueue(home: string, deviceId: string, promoted: string[], queue: string[] | null): Promise<void> {
    const [moved, waiting] = await Promise.all([this.tasks.getSubtasks(promoted), this.tasks.getSubtasks(queue ?? [])]);
    for (const s of moved) {
      this.notify.toUser(s.user_id, 'chat:status', { task_id: s.task_id, subtask_id: s.subtask_id, device_id: s.requested_device, status: s.status });
    }
    const position = new Map((queue ?? []).map((id, i) => [id, i + 1]));
    for (const s of waiting) {
      this.notify.toUser(s.user_id, 'chat:status', { task_id: s.task_id, subtask_id: s.subtask_id, device_id: s.requested_device, status: 'queued', queue_position: position.get(s.subtask_id)! });
    }
    await this.emitDeviceStatus(home, deviceId);
  }

  /** After a queue push: the device may have a queue now (for the queued-subtasks metric). */
  private async markQueued(home: string, deviceId: string): Promise<void> {
    await this.redis.hset(keys.queuedDevices, deviceId, home);
  }

  private notifyRunning(s: SubtaskRecord): void {
    this.notify.toUser(s.user_id, 'chat:status', { task_id: s.task_id, subtask_id: s.subtask_id, device_id: s.requested_device, status: 'running' });
    void this.tasks.touchTask({ ...s, status: 'running' }).catch((err) => this.log.warn({ err, subtaskId: s.subtask_id }, 'conversation status not updated'));
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
        // One round trip for the three reads (auto-pipelined).
        const [read, online, holds] = await Promise.all([
          this.tasks.getSubtask(subtaskId), this.devices.isOnline(idHome(subtaskId), deviceId), this.redis.sismember(keys.deviceSlots(idHome(subtaskId), deviceId), subtaskId),
        ]);
        if (!online) return; // the monitor fails it, or a re-register resumes
        s = holds === 1 ? read : null;
      }
      if (!s || s.status === 'running' || this.tasks.doneEvent(s)) return;
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
        const r = await markRunning(this.redis, { subtaskId, deviceId });
        if (r === 'ok') {
          this.notifyRunning(s);
        } else if (r === 'final') {
          this.notify.cancelOnDevice(deviceId, { subtask_id: subtaskId });
        }
        return;
      }
      if (ack.error?.code === ErrorCode.SLOTS_FULL) {
        if ((await requeueHead(this.redis, { subtaskId, deviceId })) === 'ok') await this.markQueued(idHome(subtaskId), deviceId);
        this.notify.toUser(s.user_id, 'chat:status', { task_id: s.task_id, subtask_id: subtaskId, device_id: s.requested_device, status: 'queued', queue_position: 1 });
        await this.emitDeviceStatus(idHome(subtaskId), deviceId);
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
