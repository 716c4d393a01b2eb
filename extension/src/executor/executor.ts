// The executor: composes identity, connection, slots, the run of a task (taskExecution.ts) and the
// outbox into one object with an observable state for any UI (status bar, CLI log, webview). Free of
// `vscode`.
import { EventEmitter } from 'node:events';
import {
  ErrorCode, TaskExecute, TaskPermissionReply, parsePayload, type AckFn, type TaskContext, type TaskEvent,
} from '@wegent/shared';
import type {
  ExecutorControl, ExecutorEvents, ExecutorOptions, ExecutorSnapshot, ExecutorState, Logger, RunningTaskInfo, StopOptions,
} from './api';
import { Approvals, type AnswerOutcome, type OpenApproval, type PermissionAnswer } from './approvals';
import { loadSdk, settingsOf, type ClaudeRunResult } from './claude';
import type { HostSettings } from './claudeOptions';
import { ClaudeProcesses } from './claudeProcesses';
import { ConversationRequests } from './conversationRequests';
import { MAX_EVENT_TEXT, clipText } from './coalesce';
import { DeviceConnection } from './connection';
import { defaultDataDir, deviceNameFor, loadDeviceIdentity, type DeviceIdentity } from './identity';
import { DEFAULT_GRACE_MS, resolveOptions, type ResolvedOptions } from './options';
import { Outbox } from './outbox';
import { SlotTable } from './slots';
import { firstOutcome } from './startOutcome';
import { executeTask, type ExecutionDeps, type TaskToRun } from './taskExecution';
import { WorktreeManager } from './worktree/manager';

// The shells take start()'s refusal from here, beside the Executor that throws it.
export { ExecutorStartError } from './startOutcome';

const noopLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

interface RunningTask extends TaskToRun {
  /** Set when the executor (not the user) stopped the task. */
  shutdown?: boolean;
  done: Promise<void>;
}

export class Executor extends EventEmitter<ExecutorEvents> implements ExecutorControl {
  private readonly log: Logger;
  private readonly slots: SlotTable;
  private readonly outbox: Outbox;
  private readonly approvals: Approvals;
  /** Conversation worktrees (local mode): `worktrees` in the control API for a shell's list/prune. */
  readonly worktrees: WorktreeManager;
  /** Warm Claude Code processes: the conversations' between turns and a spare for the next one. */
  private readonly processes: ClaudeProcesses;
  private readonly tasks = new Map<string, RunningTask>();
  private identity?: DeviceIdentity;
  private connection?: DeviceConnection;
  private draining = false;
  private lastSnapshot = '';
  private host?: HostSettings;
  /** What running one task takes (taskExecution.ts). */
  private readonly execution: ExecutionDeps;
  /** task:diff, task:apply, task:forget and a finished task's changes (conversationRequests.ts). */
  private readonly conversations: ConversationRequests;

  private readonly options: ResolvedOptions;

  constructor(given: ExecutorOptions) {
    super();
    const options = (this.options = resolveOptions(given));
    this.log = options.logger ?? noopLogger;
    this.slots = new SlotTable(options.maxSlots);
    this.outbox = new Outbox((event, payload) => this.connection?.request(event, payload as never) ?? Promise.resolve(undefined), this.log);
    this.worktrees = new WorktreeManager({ dataDir: options.dataDir ?? defaultDataDir(), isolation: options.isolation, setupCommand: options.setupCommand, logger: this.log });
    const { keepAliveMs } = options;
    this.processes = new ClaudeProcesses(loadSdk, { keepAliveMs, spare: keepAliveMs > 0 && options.spareProcess, maxIdle: this.slots.max }, this.log);
    this.approvals = new Approvals({ emit: (subtaskId, event) => this.stream(subtaskId, event), timeoutMs: options.approvalTimeoutMs });
    this.execution = { options, worktrees: this.worktrees, processes: this.processes, approvals: this.approvals, host: () => this.hostSettings(), log: this.log };
    this.conversations = new ConversationRequests({ mode: options.mode, worktrees: this.worktrees, processes: this.processes, runs: (taskId) => this.conversationRuns(taskId), log: this.log });
    this.approvals.on('opened', (a) => {
      this.log.info(`Task waits for permission to use ${a.toolName}`, { subtask_id: a.subtaskId, request_id: a.requestId });
      this.emit('approval:opened', a);
      this.emitState();
    });
    this.approvals.on('closed', (a, d) => {
      this.log.info(`${a.toolName} ${d.decision === 'allow' ? 'allowed' : 'denied'} (${d.by})`, { subtask_id: a.subtaskId, request_id: a.requestId });
      this.emit('approval:closed', a, { decision: d.decision, by: d.by });
      this.emitState();
    });
  }

  snapshot(): ExecutorSnapshot {
    return {
      state: this.state(),
      deviceId: this.identity?.deviceId ?? this.options.deviceId ?? '',
      deviceName: this.identity?.deviceName ?? this.options.deviceName ?? '',
      backendUrl: this.options.backendUrl,
      slotsUsed: this.slots.used,
      maxSlots: this.slots.max,
      running: this.slots.list(),
      error: this.connection?.lastError,
      waitingApprovals: this.approvals.list().map(({ subtaskId, requestId, toolName, requestedAt }) => ({ subtaskId, requestId, toolName, requestedAt })),
    };
  }

  openApprovals(): OpenApproval[] {
    return this.approvals.list();
  }

  answerPermission(subtaskId: string, requestId: string, answer: PermissionAnswer): AnswerOutcome {
    return this.approvals.answer(subtaskId, requestId, answer);
  }

  async start(): Promise<void> {
    if (this.connection) return;
    this.identity = this.options.deviceId
      ? { deviceId: this.options.deviceId, deviceName: deviceNameFor(this.options), source: 'option' }
      : await loadDeviceIdentity({ dataDir: this.options.dataDir, workspace: this.options.workspace, mode: this.options.mode, deviceName: this.options.deviceName });
    const { deviceId, deviceName } = this.identity;
    const connection = new DeviceConnection({
      backendUrl: this.options.backendUrl,
      token: this.options.token,
      deviceId,
      logger: this.log,
      ackTimeoutMs: this.options.ackTimeoutMs,
      reconnectDelayMs: this.options.reconnectDelayMs,
      reconnectDelayMaxMs: this.options.reconnectDelayMaxMs,
      shell: this.options.shell,
      registerPayload: () => ({
        device_id: deviceId,
        name: deviceName,
        max_slots: this.slots.max,
        executor_version: this.options.executorVersion,
        running_task_ids: this.reportedIds(),
        mode: this.options.mode,
      }),
      runningIds: () => this.reportedIds(),
      onExecute: (payload, ack) => this.onExecute(payload, ack),
      onCancel: (id) => void this.cancel(id),
      onPermissionReply: (payload, ack) => {
        const parsed = parsePayload(TaskPermissionReply, payload);
        ack(parsed.ok ? this.approvals.reply(parsed.value) : { ok: false, error: parsed.error });
      },
      onDiff: (payload, ack) => this.conversations.diff(payload, ack),
      onForget: (taskIds) => this.conversations.forget(taskIds),
      onApply: (payload, ack) => this.conversations.apply(payload, ack),
    });
    this.connection = connection;
    connection.on('state', (s) => {
      this.outbox.setOnline(s === 'online');
      // Nothing warm while the device cannot take tasks.
      this.processes.setActive(s === 'online' && !this.draining, this.hostSettings());
      // A final error (dead token, taken-over id) means no result can ever be reported: stop the work.
      if (s === 'error') for (const task of this.tasks.values()) (task.shutdown = true), task.controller.abort();
      this.emitState();
    });
    connection.on('registered', (ok) => this.log.info(`Device "${deviceName}" is online`, { device_id: deviceId, backend: this.options.backendUrl, heartbeat_interval_s: ok.heartbeat_interval_s }));
    const outcome = firstOutcome(connection);
    connection.start();
    await outcome;
  }

  cancel(subtaskId: string): boolean {
    const task = this.tasks.get(subtaskId);
    if (!task) return false;
    this.log.info('Cancelling task', { subtask_id: subtaskId });
    task.controller.abort();
    return true;
  }

  async stop(options: StopOptions = {}): Promise<void> {
    this.draining = true;
    this.processes.setActive(false);
    if (options.drain && this.tasks.size) {
      const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
      this.log.info(`Waiting up to ${Math.round(graceMs / 1000)} s for ${this.tasks.size} running task(s) to finish`);
      // No new task can start while draining: wait for these to end, or the grace period, whichever is first.
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((r) => (timer = setTimeout(r, graceMs)));
      await Promise.race([Promise.all([...this.tasks.values()].map((t) => t.done)), grace]);
      clearTimeout(timer);
    }
    for (const task of this.tasks.values()) {
      task.shutdown = true;
      task.controller.abort();
    }
    await Promise.all([...this.tasks.values()].map((t) => t.done));
    this.processes.closeAll();
    // Report what ended before leaving, while the connection can still deliver it.
    if (this.connection?.isRegistered && !(await this.outbox.whenEmpty(5_000))) this.log.warn('Some task output could not be delivered before stopping');
    this.connection?.stop();
    this.emitState();
  }

  /**
   * What every Claude Code process of this executor starts with (claudeOptions.ts), read once: the
   * SDK adds to process.env when it loads, and a spare started before that must still match.
   */
  private hostSettings(): HostSettings {
    const o = this.options;
    const ceiling = o.permissionMode;
    return (this.host ??= settingsOf({ env: o.env, passEnv: o.passEnv, secrets: [o.token], claudeCodePath: o.claudeCodePath, allowBypass: ceiling === 'bypassPermissions', permissionMode: ceiling, confined: o.mode === 'cloud' }));
  }

  /** The warm processes, for the bench and tests. */
  warmStats() {
    return this.processes.stats();
  }

  private state(): ExecutorState {
    const s = this.connection?.state;
    if (!s || s === 'stopped') return 'disconnected';
    if (s === 'online') return this.slots.full ? 'busy' : 'online';
    return s;
  }

  /** Running tasks plus finished ones whose outcome is not acked yet: the backend must not orphan them. */
  private reportedIds(): string[] {
    return [...new Set([...this.slots.ids(), ...this.outbox.pendingIds()])].slice(0, 64); // the protocol's cap
  }

  /** One event of a task's stream: to the backend (outbox) and to this executor's listeners. */
  private stream(subtaskId: string, event: TaskEvent): void {
    this.outbox.push(subtaskId, event);
    this.emit('task:event', { subtaskId, event });
  }

  private emitState(): void {
    const snapshot = this.snapshot();
    const key = JSON.stringify(snapshot);
    if (key === this.lastSnapshot) return;
    this.lastSnapshot = key;
    this.emit('state', snapshot);
  }

  /** A message of that conversation runs on this device now (apply or discard must wait: TASK_BUSY). */
  private conversationRuns(taskId: string): boolean {
    return [...this.tasks.values()].some((t) => t.info.taskId === taskId);
  }

  private onExecute(payload: unknown, ack: AckFn): void {
    const parsed = parsePayload(TaskExecute, payload);
    if (!parsed.ok) return ack({ ok: false, error: parsed.error });
    const { task_id, subtask_id, prompt, context, attachments } = parsed.value;
    if (this.draining) return ack({ ok: false, error: { code: ErrorCode.SHUTTING_DOWN, message: 'This executor is shutting down and takes no new tasks.' } });
    const info: RunningTaskInfo = { subtaskId: subtask_id, taskId: task_id, prompt, startedAt: new Date().toISOString() };
    const acquired = this.slots.tryAcquire(info);
    if (acquired === 'duplicate') return ack({ ok: true }); // a resend of a task this device already has
    if (acquired === 'full') return ack({ ok: false, error: { code: ErrorCode.SLOTS_FULL, message: `All ${this.slots.max} slots of this device are busy.` } });
    ack({ ok: true });
    const controller = new AbortController();
    const task: RunningTask = { info, controller, done: Promise.resolve(), ...(attachments?.length ? { attachments } : {}) };
    this.tasks.set(subtask_id, task);
    task.done = this.runTask(task, context);
  }

  private async runTask(task: RunningTask, context: TaskContext): Promise<void> {
    const { subtaskId, taskId } = task.info;
    this.log.info('Task started', { subtask_id: subtaskId, task_id: taskId });
    this.emit('task:start', task.info);
    this.approvals.begin(subtaskId, taskId, task.info.prompt);
    this.emitState();
    const onEvent = (event: TaskEvent) => this.stream(subtaskId, event);
    let outcome: ClaudeRunResult;
    try {
      outcome = await executeTask(this.execution, task, context, onEvent);
    } catch (err) {
      outcome = { status: 'failed', error: { code: ErrorCode.EXECUTOR_ERROR, message: `The executor failed: ${(err as Error).message}` } };
    }
    if (task.shutdown) outcome = { ...outcome, status: 'cancelled', error: { code: ErrorCode.SHUTTING_DOWN, message: 'The executor was stopped while this task ran.' } };
    const error = outcome.status === 'failed' || task.shutdown ? outcome.error : undefined;
    const result = outcome.result === undefined ? undefined : clipText(outcome.result, MAX_EVENT_TEXT);
    this.approvals.end(subtaskId); // its decision events go out before the outcome
    const changes = await this.conversations.changesOf(taskId);
    this.outbox.complete(subtaskId, { status: outcome.status, result, error, session_id: outcome.sessionId, usage: outcome.usage, changes });
    this.slots.release(subtaskId);
    this.tasks.delete(subtaskId);
    this.log[outcome.status === 'failed' ? 'warn' : 'info'](`Task ${outcome.status}`, { subtask_id: subtaskId, ...(error ? { code: error.code, reason: error.message } : {}) });
    this.emit('task:end', { subtaskId, status: outcome.status, result: outcome.result, error });
    this.emitState();
  }
}

export function createExecutor(options: ExecutorOptions): Executor {
  return new Executor(options);
}
