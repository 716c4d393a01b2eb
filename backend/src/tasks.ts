// Conversations (tasks), their subtasks (one per chat message) and each subtask's event stream.
// State changes that must be atomic (slot, seq, final status) happen in dispatch.ts via Lua; this
// module creates records and reads them back as protocol views.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  ErrorCode, WegentError,
  type ChatChunk, type ChatDone, type CompleteStatus, type SubtaskStatus, type SubtaskView, type TaskContext,
  type TaskDetail, type TaskSummary,
} from '@wegent/shared';
import { keys } from './store/keys';

export interface SubtaskRecord {
  subtask_id: string;
  task_id: string;
  user_id: string;
  /** The device that runs it (for "cloud", the pool device chosen at send time). */
  device_id: string;
  /** What the chat asked for: a device id or "cloud". */
  requested_device: string;
  prompt: string;
  status: SubtaskStatus;
  result: string | null;
  error: { code: string; message: string } | null;
  session_id: string | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  last_seq: number;
  in_slot: boolean;
  cancel_requested: boolean;
}

function toSubtask(h: Record<string, string>): SubtaskRecord | null {
  if (!h.subtask_id) return null;
  let error: SubtaskRecord['error'] = null;
  if (h.error) {
    try {
      error = JSON.parse(h.error);
    } catch {
      error = { code: ErrorCode.INTERNAL, message: h.error };
    }
  }
  return {
    subtask_id: h.subtask_id,
    task_id: h.task_id,
    user_id: h.user_id,
    device_id: h.device_id,
    requested_device: h.requested_device || h.device_id,
    prompt: h.prompt ?? '',
    status: (h.status as SubtaskStatus) ?? 'pending',
    result: h.result ?? null,
    error,
    session_id: h.session_id || null,
    created_at: h.created_at,
    started_at: h.started_at || null,
    completed_at: h.completed_at || null,
    last_seq: Number(h.last_seq) || 0,
    in_slot: h.in_slot === '1',
    cancel_requested: h.cancel_requested === '1',
  };
}

/** Unknown and foreign conversation ids get the same answer. */
export function taskNotFound(taskId: string): WegentError {
  return new WegentError(ErrorCode.TASK_NOT_FOUND, `No conversation "${taskId}" in your account.`, 404);
}

const newId = (prefix: string) => `${prefix}_${randomUUID().replace(/-/g, '')}`;
const HISTORY_TURNS = 20;

export class Tasks {
  constructor(private readonly redis: Redis) {}

  async getSubtask(subtaskId: string): Promise<SubtaskRecord | null> {
    return toSubtask(await this.redis.hgetall(keys.subtask(subtaskId)));
  }

  /** The subtask if it is this user's; SUBTASK_NOT_FOUND otherwise. */
  async getOwnedSubtask(userId: string, subtaskId: string): Promise<SubtaskRecord> {
    const s = await this.getSubtask(subtaskId);
    if (!s || s.user_id !== userId) throw new WegentError(ErrorCode.SUBTASK_NOT_FOUND, `No subtask "${subtaskId}" in your account.`, 404);
    return s;
  }

  async assertOwnedTask(userId: string, taskId: string): Promise<void> {
    const owner = await this.redis.hget(keys.task(taskId), 'user_id');
    if (owner !== userId) throw taskNotFound(taskId);
  }

  /**
   * The records a chat:send will write (ids, timestamps, status "pending"): built here, written
   * atomically with the slot/queue step by the send script (store/sendScript.ts).
   */
  newTurn(userId: string, deviceId: string, requestedDevice: string, prompt: string, taskId?: string): { task_id: string; subtask: SubtaskRecord; newTask: boolean } {
    const tid = taskId ?? newId('task');
    const subtask = toSubtask({
      subtask_id: newId('sub'), task_id: tid, user_id: userId, device_id: deviceId, requested_device: requestedDevice,
      prompt, status: 'pending', created_at: new Date().toISOString(), last_seq: '0', in_slot: '0',
    })!;
    return { task_id: tid, subtask, newTask: !taskId };
  }

  /** Context for task:execute: the conversation's Claude session and a short history. */
  async contextFor(s: SubtaskRecord, requesterId: string): Promise<TaskContext> {
    const ids = await this.redis.lrange(keys.taskSubtasks(s.task_id), 0, -1);
    const history: NonNullable<TaskContext['history']> = [];
    let session: string | undefined;
    for (const id of ids) {
      if (id === s.subtask_id) break;
      const prev = await this.getSubtask(id);
      if (!prev) continue;
      if (prev.session_id) session = prev.session_id;
      history.push({ role: 'user', text: prev.prompt });
      if (prev.result) history.push({ role: 'assistant', text: prev.result });
    }
    const ctx: TaskContext = { user_id: requesterId };
    if (session) ctx.session_id = session;
    if (history.length) ctx.history = history.slice(-HISTORY_TURNS * 2);
    return ctx;
  }

  /** Mirrors the newest subtask's state onto its conversation (for lists). */
  async touchTask(s: SubtaskRecord): Promise<void> {
    const now = new Date().toISOString();
    // An older turn ending (e.g. a cancelled queued one) must not overwrite the newest turn's status.
    const newest = (await this.redis.hget(keys.task(s.task_id), 'last_subtask_id')) === s.subtask_id;
    const m = this.redis.multi().hset(keys.task(s.task_id), newest ? { status: s.status, updated_at: now } : { updated_at: now });
    if (s.session_id) m.hset(keys.task(s.task_id), 'session_id', s.session_id);
    m.zadd(keys.userTasks(s.user_id), Date.now(), s.task_id);
    await m.exec();
  }

  async chunksAfter(subtaskId: string, afterSeq: number): Promise<ChatChunk[]> {
    // Seqs are contiguous from 1, so seq n sits at list index n-1.
    const raw = await this.redis.lrange(keys.subtaskEvents(subtaskId), afterSeq, -1);
    return raw.map((r) => JSON.parse(r) as ChatChunk);
  }

  doneEvent(s: SubtaskRecord): ChatDone | null {
    if (s.status !== 'completed' && s.status !== 'failed' && s.status !== 'cancelled') return null;
    const done: ChatDone = { task_id: s.task_id, subtask_id: s.subtask_id, status: s.status as CompleteStatus, last_seq: s.last_seq };
    if (s.result !== null) done.result = s.result;
    if (s.error) done.error = s.error;
    if (s.session_id) done.session_id = s.session_id;
    return done;
  }

  async listTasks(userId: string, limit = 200): Promise<TaskSummary[]> {
    const ids = await this.redis.zrevrange(keys.userTasks(userId), 0, limit - 1);
    const out: TaskSummary[] = [];
    for (const id of ids) {
      const t = await this.summary(id);
      if (t) out.push(t);
    }
    return out;
  }

  private async summary(taskId: string): Promise<TaskSummary | null> {
    const h = await this.redis.hgetall(keys.task(taskId));
    if (!h.task_id) return null;
    return {
      task_id: h.task_id, title: h.title ?? '', device_id: h.device_id ?? '', status: (h.status as SubtaskStatus) ?? 'pending',
      session_id: h.session_id || null, created_at: h.created_at, updated_at: h.updated_at ?? h.created_at,
    };
  }

  async detail(userId: string, taskId: string): Promise<TaskDetail> {
    await this.assertOwnedTask(userId, taskId);
    const summary = (await this.summary(taskId))!;
    const ids = await this.redis.lrange(keys.taskSubtasks(taskId), 0, -1);
    const subtasks: SubtaskView[] = [];
    for (const id of ids) {
      const s = await this.getSubtask(id);
      if (s) subtasks.push({ ...this.view(s), events: await this.chunksAfter(id, 0) });
    }
    return { ...summary, subtasks };
  }

  view(s: SubtaskRecord): Omit<SubtaskView, 'events'> {
    return {
      // What the user chose ("cloud" stays "cloud": pool device ids are the operator's business).
      subtask_id: s.subtask_id, task_id: s.task_id, device_id: s.requested_device, prompt: s.prompt, status: s.status,
      result: s.result, error: s.error, created_at: s.created_at, started_at: s.started_at, completed_at: s.completed_at,
      last_seq: s.last_seq,
    };
  }

  async setFlag(subtaskId: string, field: 'cancel_requested', value: boolean): Promise<void> {
    await this.redis.hset(keys.subtask(subtaskId), field, value ? '1' : '0');
  }

  async bumpMissing(subtaskId: string): Promise<number> {
    return this.redis.hincrby(keys.subtask(subtaskId), 'missing_beats', 1);
  }

  async clearMissing(subtaskId: string): Promise<void> {
    await this.redis.hdel(keys.subtask(subtaskId), 'missing_beats');
  }
}
