// Permission requests between the chats and the device (docs/protocol.md "Approvals"). The backend
// keeps the pending set beside each subtask's stream (recorded by the progress script), records the
// first chat answer once, tells every chat of the owner, and relays the answer to the device as
// `task:permission_reply` until it is acked — again after the device re-registers, so neither a
// device's reconnect nor a backend restart loses one. The device's own decision event is the last
// word on how a request ended.
import type { RedisClient } from './store/redis';
import {
  ErrorCode, WegentError, isFinalStatus,
  type ChatClientKind, type ChatPermissionReply, type PermissionRecord, type TaskEvent, type TaskPermissionReply, type UserView,
} from '@wegent/shared';
import type { Devices } from './devices';
import { idHome } from './store/keys';
import type { Logger } from './log';
import type { Notifier } from './notifier';
import { pendingOf, permissionDelivered, permissionReply, readApprovals } from './store/scripts/approvals';
import type { SubtaskRecord, Tasks } from './tasks';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** "Already allowed in the browser at 14:02:05Z" for the chat that answered second. */
function decidedMessage(r: PermissionRecord): string {
  const how = r.decision === 'allow' ? 'allowed' : 'denied';
  const who = r.by === 'timeout' ? 'by the device after nobody answered in time' : r.by === 'device' ? 'at the device' : r.client === 'browser' ? 'in the browser' : r.client === 'vscode' ? 'in VS Code' : 'in a chat';
  return `This request was already ${how} ${who} (${r.decided_at}); the first answer counts.`;
}

export class Approvals {
  /** Answers this node is relaying now (one loop per request per node). */
  private readonly relaying = new Set<string>();

  constructor(
    private readonly redis: RedisClient,
    private readonly tasks: Tasks,
    private readonly devices: Devices,
    private readonly notify: Notifier,
    private readonly opts: { ackTimeoutMs: number },
    private readonly log: Logger,
  ) {}

  /** chat:permission_reply: recorded once, announced to every chat, relayed to the device. */
  async reply(user: UserView, client: ChatClientKind | undefined, p: ChatPermissionReply): Promise<void> {
    const record: PermissionRecord = {
      request_id: p.request_id, decision: p.decision, by: 'chat', decided_at: new Date().toISOString(), delivered: false,
      ...(p.decision === 'allow' ? { scope: p.scope ?? 'once' } : {}), ...(client ? { client } : {}),
      ...(p.message ? { message: p.message } : {}), ...(p.answers && Object.keys(p.answers).length ? { answers: p.answers } : {}),
    };
    const r = await permissionReply(this.redis, { subtaskId: p.subtask_id, userId: user.id, record });
    switch (r.outcome) {
      case 'notfound':
        throw new WegentError(ErrorCode.SUBTASK_NOT_FOUND, `No subtask "${p.subtask_id}" in your account.`, 404);
      case 'norequest':
        throw new WegentError(ErrorCode.REQUEST_NOT_FOUND, `Subtask "${p.subtask_id}" never asked for permission "${p.request_id}".`, 404);
      case 'decided':
        throw new WegentError(ErrorCode.ALREADY_DECIDED, decidedMessage(r.record), 409);
      case 'final':
        throw new WegentError(ErrorCode.ALREADY_DECIDED, 'This task has already ended; its request can no longer be answered.', 409);
    }
    const s = await this.tasks.getSubtask(p.subtask_id);
    if (!s) return;
    this.notify.toUser(user.id, 'chat:permission_decided', { ...record, task_id: s.task_id, subtask_id: s.subtask_id });
    await this.announce(s);
    this.relay(r.deviceId, s.subtask_id, p.request_id);
  }

  /** After a task:progress was applied: say whether the subtask now waits for someone. */
  async afterEvents(subtaskId: string, events: readonly TaskEvent[]): Promise<void> {
    if (!events.some((e) => e.type === 'permission_request' || e.type === 'permission_decision')) return;
    const s = await this.tasks.getSubtask(subtaskId);
    if (s) await this.announce(s);
  }

  /**
   * The chat's answers a device has not been given yet, by subtask: read beside reconcile's other
   * reads when a device (re-)registers or beats with these subtasks running.
   */
  async undelivered(subtaskIds: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (!subtaskIds.length) return out;
    for (const [subtaskId, a] of await readApprovals(this.redis, subtaskIds)) {
      const requestIds = a.decisions.filter((d) => d.by === 'chat' && !d.delivered).map((d) => d.request_id);
      if (requestIds.length) out.set(subtaskId, requestIds);
    }
    return out;
  }

  /** Relays the answers `undelivered` found to the device that runs their subtasks. */
  resume(deviceId: string, answers: ReadonlyMap<string, string[]>): void {
    for (const [subtaskId, requestIds] of answers) for (const requestId of requestIds) this.relay(deviceId, subtaskId, requestId);
  }

  /** `chat:status` with `awaiting_input` to every chat of the owner. */
  private async announce(s: SubtaskRecord): Promise<void> {
    const a = (await readApprovals(this.redis, [s.subtask_id])).get(s.subtask_id);
    const waiting = pendingOf(a, isFinalStatus(s.status)).length > 0;
    this.notify.toUser(s.user_id, 'chat:status', { task_id: s.task_id, subtask_id: s.subtask_id, device_id: s.requested_device, status: s.status, awaiting_input: waiting });
  }

  private relay(deviceId: string, subtaskId: string, requestId: string): void {
    const key = `${subtaskId}/${requestId}`;
    if (this.relaying.has(key)) return;
    this.relaying.add(key);
    this.relayLoop(deviceId, subtaskId, requestId)
      .catch((err) => this.log.error({ err, subtaskId, requestId }, 'permission reply relay failed'))
      .finally(() => this.relaying.delete(key));
  }

  /** Sends task:permission_reply until acked, the subtask is final, or the device is offline. */
  private async relayLoop(deviceId: string, subtaskId: string, requestId: string): Promise<void> {
    for (;;) {
      const [s, online, all] = await Promise.all([this.tasks.getSubtask(subtaskId), this.devices.isOnline(idHome(subtaskId), deviceId), readApprovals(this.redis, [subtaskId])]);
      const record = all.get(subtaskId)?.decisions.find((d) => d.request_id === requestId);
      if (!s || isFinalStatus(s.status) || !record || record.delivered || record.by !== 'chat' || !online) return;
      const payload: TaskPermissionReply = {
        subtask_id: subtaskId, request_id: requestId, decision: record.decision, decided_at: record.decided_at,
        ...(record.scope ? { scope: record.scope } : {}), ...(record.message ? { message: record.message } : {}),
        ...(record.answers ? { answers: record.answers } : {}), ...(record.client ? { client: record.client } : {}),
      };
      const answer = await this.notify.permissionReply(deviceId, payload, this.opts.ackTimeoutMs);
      if (answer.kind === 'nobody') {
        // The socket is gone but the TTL has not lapsed: it may come back (its register resumes too).
        await sleep(Math.min(this.opts.ackTimeoutMs, 1000));
        continue;
      }
      if (answer.kind === 'timeout') continue;
      // Any ack ends it: applied, a repeat, or REQUEST_NOT_FOUND (the device will never take it).
      if (!answer.ack.ok) this.log.warn({ subtaskId, requestId, code: answer.ack.error.code }, 'device refused a permission reply');
      await permissionDelivered(this.redis, { subtaskId, requestId });
      return;
    }
  }
}
