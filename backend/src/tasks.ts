// Conversations (tasks), their subtasks (one per chat message) and each subtask's event stream.
// State changes that must be atomic (slot, seq, final status) happen in dispatch.ts through the
// Lua scripts of store/scripts/; this module creates records and reads them back as views.
import type { RedisClient } from './store/redis';
import {
  ErrorCode, WegentError, isFinalStatus,
  type ChangesOutcome, type ChatChunk, type ChatDone, type PermissionMode, type CompleteStatus, type SubtaskView, type TaskContext, type TaskDetail, type TaskSummary,
} from '@wegent/shared';
import { keys, newId, userHome } from './store/keys';
import { decodeSubtask, decodeTask, encodeSubtask, type SubtaskRecord, type TaskRecord } from './store/records';
import { pendingOf, readApprovals } from './store/scripts/approvals';
import { touchTask } from './store/scripts/touchTask';
import { boundHistory } from './history';

export type { SubtaskRecord } from './store/records';

/** Unknown and foreign conversation ids get the same answer. */
/** A new conversation past the account's cap (the send script checks it for own devices, checkRoom for the pool). */
export function tooManyTasks(count: number): WegentError {
  return new WegentError(
    ErrorCode.LIMIT_EXCEEDED,
    `Your account already keeps ${count} conversations, the most this backend allows (WEGENT_MAX_TASKS_PER_USER). Continue an existing conversation, or ask the operator to raise the limit.`,
    429,
  );
}

export function taskNotFound(taskId: string): WegentError {
  return new WegentError(ErrorCode.TASK_NOT_FOUND, `No conversation "${taskId}" in your account.`, 404);
}


function summaryOf(t: TaskRecord): TaskSummary {
  return { task_id: t.task_id, title: t.title, device_id: t.device_id, status: t.status, session_id: t.session_id, created_at: t.created_at, updated_at: t.updated_at };
}

/** What a message asked for (permission mode, model), as the wire carries it: only what it set. */
export function askedOf(s: Pick<SubtaskRecord, 'permission_mode' | 'model'>): Pick<TaskContext, 'permission_mode' | 'model'> {
  return { ...(s.permission_mode ? { permission_mode: s.permission_mode } : {}), ...(s.model ? { model: s.model } : {}) };
}

export class Tasks {
  constructor(
    private readonly redis: RedisClient,
    /** Bytes of task:execute.context.history (config.limits.historyBytes). */
    private readonly historyBytes = 2_000_000,
  ) {}

  async getSubtask(subtaskId: string): Promise<SubtaskRecord | null> {
    return decodeSubtask(await this.redis.hgetall(keys.subtask(subtaskId)));
  }

  /** The account a conversation belongs to (null: no such conversation). */
  async ownerOf(taskId: string): Promise<string | null> {
    return this.redis.hget(keys.task(taskId), 'user_id');
  }

  /** Several subtasks in one round trip (the commands of one tick are pipelined), in order; missing ones left out. */
  async getSubtasks(ids: string[]): Promise<SubtaskRecord[]> {
    const found = await Promise.all(ids.map((id) => this.getSubtask(id)));
    return found.filter((s): s is SubtaskRecord => s !== null);
  }

  /** The subtask if it is this user's; SUBTASK_NOT_FOUND otherwise. */
  async getOwnedSubtask(userId: string, subtaskId: string): Promise<SubtaskRecord> {
    const s = await this.getSubtask(subtaskId);
    if (!s || s.user_id !== userId) throw new WegentError(ErrorCode.SUBTASK_NOT_FOUND, `No subtask "${subtaskId}" in your account.`, 404);
    return s;
  }

  /**
   * The records a chat:send will write (ids, timestamps, status "pending"): built here, written
   * atomically with the slot/queue step by the send script (store/scripts/send.ts). The subtask
   * lives at the home of the device that runs it (`deviceHome`; keys.ts), a new conversation at
   * the user's.
   */
  newTurn(userId: string, deviceId: string, requestedDevice: string, prompt: string, taskId?: string, asked: { permission_mode?: PermissionMode; model?: string } = {}, deviceHome = userHome(userId)): { subtask: SubtaskRecord; newTask: boolean } {
    const subtask: SubtaskRecord = {
      subtask_id: newId('sub', deviceHome), task_id: taskId ?? newId('task', userHome(userId)), user_id: userId, device_id: deviceId, requested_device: requestedDevice,
      prompt, status: 'pending', result: null, error: null, session_id: null, usage: null, created_at: new Date().toISOString(),
      started_at: null, completed_at: null, last_seq: 0, cancel_requested: false, missing_beats: 0, permission_mode: asked.permission_mode ?? null,
      model: asked.model ?? null,
      stored_bytes: 0, stored_events: 0, truncated: false, changes: null, attachments: null, changes_outcome: null,
    };
    return { subtask, newTask: !taskId };
  }

  /** Context for task:execute: the conversation's Claude session and its newest history within a byte budget (two round trips). */
  async contextFor(s: SubtaskRecord, requesterId: string): Promise<TaskContext> {
    return this.contextOf(s, requesterId, await this.turnIds(s.task_id));
  }

  /** The conversation's turns (subtask ids), oldest first. */
  turnIds(taskId: string): Promise<string[]> {
    return this.redis.lrange(keys.taskSubtasks(taskId), 0, -1);
  }

  /** contextFor with the turn ids already read (turns after `s` are left out): one round trip. */
  async contextOf(s: SubtaskRecord, requesterId: string, ids: string[]): Promise<TaskContext> {
    const before = ids.indexOf(s.subtask_id);
    const earlier = await this.getSubtasks(before >= 0 ? ids.slice(0, before) : ids);
    const history: NonNullable<TaskContext['history']> = [];
    let session: string | undefined;
    for (const prev of earlier) {
      if (prev.session_id) session = prev.session_id;
      history.push({ role: 'user', text: prev.prompt });
      if (prev.result) history.push({ role: 'assistant', text: prev.result });
    }
    const ctx: TaskContext = { user_id: requesterId, ...askedOf(s) };
    if (session) ctx.session_id = session;
    const bounded = boundHistory(history, this.historyBytes);
    if (bounded.length) ctx.history = bounded;
    return ctx;
  }

  /** LIMIT_EXCEEDED when the account already keeps `max` conversations (a new one would pass it). */
  async checkRoom(userId: string, max: number): Promise<void> {
    const count = await this.redis.zcard(keys.userTasks(userId));
    if (count >= max) throw tooManyTasks(count);
  }

  /**
   * Mirrors the subtask's state onto its conversation (for lists); one round trip. A final turn lets
   * go of the conversation: → the follow-up that waited behind it and holds it now (null: none).
   */
  touchTask(s: SubtaskRecord): Promise<string | null> {
    return touchTask(this.redis, s);
  }

  async chunksAfter(subtaskId: string, afterSeq: number): Promise<ChatChunk[]> {
    // Seqs are contiguous from 1, so seq n sits at list index n-1.
    const raw = await this.redis.lrange(keys.subtaskEvents(subtaskId), afterSeq, -1);
    return raw.map((r) => JSON.parse(r) as ChatChunk);
  }

  /**
   * One page of chunks after `afterSeq`: whole chunks while they fit in `budgetBytes` (always at
   * least one), read from Redis a batch at a time so a long stream is never loaded whole. `more`:
   * the page stopped at the budget and later chunks exist.
   */
  async chunksPage(subtaskId: string, afterSeq: number, budgetBytes: number): Promise<{ chunks: ChatChunk[]; more: boolean }> {
    const BATCH = 32;
    const chunks: ChatChunk[] = [];
    let bytes = 0;
    for (let from = afterSeq; ; from += BATCH) {
      const raw = await this.redis.lrange(keys.subtaskEvents(subtaskId), from, from + BATCH - 1);
      for (const r of raw) {
        const size = Buffer.byteLength(r);
        if (chunks.length > 0 && bytes + size > budgetBytes) return { chunks, more: true };
        bytes += size;
        chunks.push(JSON.parse(r) as ChatChunk);
      }
      if (raw.length < BATCH) return { chunks, more: false };
    }
  }

  doneEvent(s: SubtaskRecord): ChatDone | null {
    if (s.status !== 'completed' && s.status !== 'failed' && s.status !== 'cancelled') return null;
    const done: ChatDone = { task_id: s.task_id, subtask_id: s.subtask_id, status: s.status as CompleteStatus, last_seq: s.last_seq };
    if (s.result !== null) done.result = s.result;
    if (s.error) done.error = s.error;
    if (s.session_id) done.session_id = s.session_id;
    if (s.changes) done.changes = s.changes;
    if (s.usage) done.usage = s.usage;
    return done;
  }

  /** The user's conversations, newest first: three round trips however many. */
  async listTasks(userId: string, limit = 200): Promise<TaskSummary[]> {
    const ids = await this.redis.zrevrange(keys.userTasks(userId), 0, limit - 1);
    const found = (await Promise.all(ids.map(async (id) => decodeTask(await this.redis.hgetall(keys.task(id)))))).filter((t): t is TaskRecord => t !== null);
    // "needs input": the newest turn of a conversation that is not over waits for an answer.
    // The turn that holds it asks (a follow-up waiting behind it is the newest turn then).
    const asking = (t: TaskRecord) => t.active_subtask_id ?? t.last_subtask_id;
    const open = found.filter((t) => !isFinalStatus(t.status) && asking(t));
    const approvals = await readApprovals(this.redis, open.map(asking));
    return found.map((t) => {
      const waiting = approvals.has(asking(t)) && pendingOf(approvals.get(asking(t)), false).length > 0;
      return { ...summaryOf(t), ...(waiting ? { awaiting_input: true } : {}) };
    });
  }

  /** One conversation with its turns and their streams: two round trips however many turns. */
  async detail(userId: string, taskId: string): Promise<TaskDetail> {
    const [h, ids] = await Promise.all([this.redis.hgetall(keys.task(taskId)), this.redis.lrange(keys.taskSubtasks(taskId), 0, -1)]);
    const task = decodeTask(h);
    if (!task || task.user_id !== userId) throw taskNotFound(taskId);
    const [subs, streams, approvals] = await Promise.all([
      this.getSubtasks(ids), Promise.all(ids.map((id) => this.chunksAfter(id, 0))), readApprovals(this.redis, ids),
    ]);
    const streamOf = new Map(ids.map((id, i) => [id, streams[i]]));
    const subtasks: SubtaskView[] = subs.map((s) => {
      const a = approvals.get(s.subtask_id);
      return {
        ...this.view(s), events: streamOf.get(s.subtask_id) ?? [], pending_requests: pendingOf(a, isFinalStatus(s.status)),
        ...(a?.decisions.length ? { permission_decisions: a.decisions } : {}),
      };
    });
    return { ...summaryOf(task), subtasks };
  }

  view(s: SubtaskRecord): Omit<SubtaskView, 'events'> {
    return {
      // What the user chose ("cloud" stays "cloud": pool device ids are the operator's business).
      subtask_id: s.subtask_id, task_id: s.task_id, device_id: s.requested_device, prompt: s.prompt, status: s.status,
      result: s.result, error: s.error, created_at: s.created_at, started_at: s.started_at, completed_at: s.completed_at,
      last_seq: s.last_seq, ...askedOf(s), ...(s.changes ? { changes: s.changes } : {}),
      ...(s.attachments?.length ? { attachments: s.attachments } : {}),
      ...(s.changes_outcome ? { changes_outcome: s.changes_outcome } : {}),
      ...(s.usage ? { usage: s.usage } : {}),
    };
  }

  /** Marks the subtask whose change card was applied or discarded (chat:apply). */
  async recordOutcome(subtaskId: string, outcome: ChangesOutcome): Promise<void> {
    await this.redis.hset(keys.subtask(subtaskId), ...encodeSubtask({ changes_outcome: outcome }));
  }

  async requestCancel(subtaskId: string): Promise<void> {
    await this.redis.hset(keys.subtask(subtaskId), ...encodeSubtask({ cancel_requested: true }));
  }

  async bumpMissing(subtaskId: string): Promise<number> {
    const field: keyof SubtaskRecord = 'missing_beats';
    return this.redis.hincrby(keys.subtask(subtaskId), field, 1);
  }

  async clearMissing(subtaskId: string): Promise<void> {
    const field: keyof SubtaskRecord = 'missing_beats';
    await this.redis.hdel(keys.subtask(subtaskId), field);
  }
}
