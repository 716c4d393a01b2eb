// The chat side: chat:send (a new turn takes a slot or a queue place, one script) and chat:cancel.
import {
  CLOUD_DEVICE_ID, DEFAULT_SLOTS, ErrorCode, WegentError,
  type ChatSend, type ChatSendOk, type UserView,
} from '@wegent/shared';
import { deviceNotFound } from '../devices';
import { lostSendRefusal } from '../presenceWords';
import { idHome, userHome } from '../store/keys';
import { attachTurn, enqueue, send as sendScript, sendPool, type SendInput, type SendOutcome } from '../store/scripts/send';
import { askedOf, taskNotFound, tooManyTasks, type SubtaskRecord } from '../tasks';
import { loadChange } from './announce';
import type { DispatchDeps } from './deps';
import type { Executions } from './execute';
import type { Finisher } from './finish';
import type { Routes } from './routes';

export class Sends {
  constructor(
    private readonly d: DispatchDeps,
    private readonly routes: Routes,
    private readonly executions: Executions,
    private readonly finisher: Finisher,
  ) {}

  async send(user: UserView, p: ChatSend): Promise<ChatSendOk> {
    const { devices, tasks, metrics, notify, opts } = this.d;
    const cloud = p.device_id === CLOUD_DEVICE_ID;
    // A conversation lives at its user's home (keys.ts): one minted elsewhere is not this user's,
    // and its keys must not meet this user's in one script (another slot on a Redis Cluster).
    if (p.task_id !== undefined && idHome(p.task_id) !== userHome(user.id)) throw taskNotFound(p.task_id);
    // The conversation cap: in the send script for an own device (no round trip of its own); the
    // pool's two steps check it first here.
    if (cloud && !p.task_id) await tasks.checkRoom(user.id, opts.limits.tasksPerUser);
    const pool = cloud ? await devices.pickCloud() : null;
    if (cloud && !pool) throw cloudUnavailable();
    // The subtask lives where its device does: the user's home, or the pool operator's (keys.ts).
    const home = pool ? userHome(pool.user_id) : userHome(user.id);
    // Named uploads are checked before anything is written: an unknown one refuses the send whole.
    const attachments = p.attachments?.length ? await this.d.attachments.forMessage(user.id, p.attachments) : null;
    const { subtask, newTask } = tasks.newTurn(user.id, pool?.device_id ?? p.device_id, p.device_id, p.message, p.task_id, { permission_mode: p.permission_mode, model: p.model }, home);
    subtask.attachments = attachments;
    const task_id = subtask.task_id;
    // Checks, records, slot or queue place and the conversation link: one script, one round trip
    // (two steps for the pool, whose device lives at another home than the conversation).
    const input: SendInput = { subtask, newTask, checkOwner: !cloud, maxQueue: opts.maxQueuePerDevice, defaultSlots: DEFAULT_SLOTS, maxTasks: opts.limits.tasksPerUser };
    // A follow-up's earlier turns, read in the script's round trip (queued before it: the list as it
    // stood before this turn), so its task:execute waits for one more read, not two.
    // A failed pre-read is not the send's failure: the execute loop reads the context itself.
    const preReadFailed = (err: unknown): undefined => {
      this.d.log.debug({ err, taskId: task_id }, 'context pre-read failed; the execute loop reads it');
      return undefined;
    };
    const earlier = !newTask && !cloud ? tasks.turnIds(task_id).catch(preReadFailed) : null;
    const r = cloud ? await this.sendToPool(input) : await sendScript(this.d.redis, input);
    switch (r.result) {
      case 'toomany':
        throw tooManyTasks(r.count);
      case 'nodevice':
        if (cloud) throw cloudUnavailable();
        throw deviceNotFound(p.device_id);
      case 'offline':
        if (cloud) throw cloudUnavailable();
        if (r.disconnectedAt) throw new WegentError(ErrorCode.DEVICE_OFFLINE, lostSendRefusal(r.name, r.disconnectedAt), 409);
        throw new WegentError(ErrorCode.DEVICE_OFFLINE, `The device "${r.name}" is offline. Start its executor (VS Code: "Wegent: Connect Device") or pick another device.`, 409);
      case 'notask':
        throw taskNotFound(task_id);
      case 'full':
        metrics.chatSends.inc({ result: 'queue_full' });
        throw new WegentError(ErrorCode.QUEUE_FULL, `The device "${r.name}" already has ${opts.maxQueuePerDevice} tasks waiting. Wait for some to finish or cancel them.`, 429);
    }
    // Claimed before task:execute can go out, so the device's fetch finds them waiting for it.
    if (attachments && !(await this.d.attachments.claim(user.id, subtask.subtask_id, attachments))) {
      this.d.log.warn({ subtaskId: subtask.subtask_id }, 'an attachment expired between its check and its claim; the device will be told');
    }
    if (r.result === 'held') return this.held(user.id, p, subtask, r.after);
    const position = r.queuePosition;
    const status = position > 0 ? 'queued' : 'running';
    if (position > 0) await devices.markQueued(home, subtask.device_id);
    metrics.chatSends.inc({ result: status });
    // Its routing facts are known now: the first task:progress (on this node) needs no read.
    this.routes.remember(subtask);
    if (r.promoted.includes(subtask.subtask_id)) {
      // A new conversation has no history or session yet: its context is known without reading.
      // A follow-up's is read from the turns before it (the loop reads it itself if that failed).
      const context = newTask
        ? { user_id: user.id, ...askedOf(subtask) }
        : earlier?.then((ids) => (ids ? tasks.contextOf(subtask, user.id, ids) : undefined)).catch(preReadFailed);
      this.executions.justWritten(subtask, context);
    }
    // task:execute first (it is what the device waits for), then the chat hears of its turn in the
    // same tick, long before any output can come back. A turn that took a free slot with nobody
    // waiting is announced from what the script read: no record read back after every send.
    const known = r.load && r.promoted.length === 1 && r.promoted[0] === subtask.subtask_id ? loadChange(user.id, subtask.device_id, r.load, [subtask]) : undefined;
    this.finisher.slotsChanged(home, subtask.device_id, r.promoted, r.promoted.length > 0 ? r.queue : null, known);
    notify.toUser(user.id, 'chat:start', {
      task_id, subtask_id: subtask.subtask_id, device_id: p.device_id,
      status: position > 0 ? 'queued' : 'pending', ...(position > 0 ? { queue_position: position } : {}), prompt: p.message,
      ...askedOf(subtask),
      ...(attachments ? { attachments } : {}),
    });
    return { task_id, subtask_id: subtask.subtask_id, status, ...(position > 0 ? { queue_position: position } : {}) };
  }

  /**
   * A follow-up sent while another turn of its conversation holds it: queued behind that turn (no
   * slot, no device queue place), it starts when that turn ends (Finisher.startHeld), in its session.
   */
  private held(userId: string, p: ChatSend, subtask: SubtaskRecord, after: string): ChatSendOk {
    const { notify, metrics } = this.d;
    metrics.chatSends.inc({ result: 'queued' });
    notify.toUser(userId, 'chat:start', {
      task_id: subtask.task_id, subtask_id: subtask.subtask_id, device_id: p.device_id, status: 'queued', after_subtask_id: after, prompt: p.message,
      ...askedOf(subtask), ...(subtask.attachments ? { attachments: subtask.attachments } : {}),
    });
    // The turn it waits for ended without letting go (a node died between its two steps): let go now.
    void this.d.tasks.getSubtask(after).then((a) => (a && this.d.tasks.doneEvent(a) ? this.passOn(a) : undefined))
      .catch((err) => this.d.log.warn({ err, after }, 'held follow-up check failed'));
    return { task_id: subtask.task_id, subtask_id: subtask.subtask_id, status: 'queued', after_subtask_id: after };
  }

  private async passOn(ended: SubtaskRecord): Promise<void> {
    const next = await this.d.tasks.touchTask(ended);
    if (next) await this.finisher.startHeld(next);
  }

  /**
   * A send to the pool in two steps: the device's checks, record and slot at the operator's home,
   * then the conversation link at the user's. A follow-up's conversation is checked first, so a
   * refused send still writes nothing; if the link is refused after all, the turn is cancelled.
   */
  private async sendToPool(input: SendInput): Promise<SendOutcome> {
    const { redis, tasks } = this.d;
    const s = input.subtask;
    if (!input.newTask && (await tasks.ownerOf(s.task_id)) !== s.user_id) return { result: 'notask', name: '' };
    const r = await sendPool(redis, input);
    if (r.result !== 'ok') return r;
    const attached = await attachTurn(redis, { subtask: s, newTask: input.newTask, status: r.status });
    if (attached.result === 'notask') {
      await this.finisher.finish(s, 'cancelled', { pump: true });
      return { result: 'notask', name: r.name };
    }
    if (attached.result === 'held') return { result: 'held', name: r.name, after: attached.after };
    if (attached.result === 'ok') return r;
    // A follow-up (parked by step 1) that holds its conversation at once: a slot or the queue now.
    const q = await enqueue(redis, { subtaskId: s.subtask_id, deviceId: s.device_id, defaultSlots: DEFAULT_SLOTS });
    if (q.result === 'ok') return { ...q, name: r.name };
    await this.finisher.finish(s, 'cancelled', { pump: true });
    return { result: 'offline', name: r.name };
  }

  async cancel(user: UserView, subtaskId: string): Promise<void> {
    const { tasks, notify, devices } = this.d;
    const s = await tasks.getOwnedSubtask(user.id, subtaskId);
    if (tasks.doneEvent(s)) return;
    // A device that lost its connection cannot hear a task:cancel: the task ends now, and the device,
    // if it comes back, is told to stop it (reconcile cancels every reported id that is final).
    const lost = s.status === 'running' && (await devices.get(idHome(s.subtask_id), s.device_id))?.disconnected_at;
    if (s.status === 'running' && !lost) {
      // The device stops it and reports task:complete "cancelled"; heartbeats repeat the request.
      await tasks.requestCancel(s.subtask_id);
      notify.cancelOnDevice(s.device_id, { subtask_id: s.subtask_id });
      return;
    }
    // Not started on the device yet: cancelled at once (and the device told, in case an ack is in flight).
    const r = await this.finisher.finish(s, 'cancelled', { pump: true });
    if (r.outcome === 'done' && r.wasInSlot) notify.cancelOnDevice(s.device_id, { subtask_id: s.subtask_id });
  }
}

function cloudUnavailable(): WegentError {
  return new WegentError(ErrorCode.CLOUD_UNAVAILABLE, 'No cloud executor is online right now. Try again later or pick one of your own devices.', 503);
}
