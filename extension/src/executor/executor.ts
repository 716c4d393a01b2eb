// The executor: composes identity, connection, slots, the running tasks (runningTasks.ts, each run in
// taskExecution.ts), the conversations' requests and the outbox into one object with an observable
// state for any UI (status bar, CLI log, webview). Free of `vscode`.
import { EventEmitter } from 'node:events';
import { TaskPermissionReply, parsePayload, type TaskEvent } from '@wegent/shared';
import type { ExecutorControl, ExecutorEvents, ExecutorOptions, ExecutorSnapshot, ExecutorState, Logger, StopOptions } from './api';
import { Approvals, type AnswerOutcome, type OpenApproval, type PermissionAnswer } from './approvals';
import { loadSdk, settingsOf } from './claude';
import type { HostSettings } from './claudeOptions';
import { ClaudeProcesses } from './claudeProcesses';
import { ConversationRequests } from './conversationRequests';
import { DeviceConnection } from './connection';
import { defaultDataDir, deviceNameFor, loadDeviceIdentity, type DeviceIdentity } from './identity';
import { DEFAULT_GRACE_MS, resolveOptions, type ResolvedOptions } from './options';
import { Outbox } from './outbox';
import { RunningTasks } from './runningTasks';
import { SlotTable } from './slots';
import { firstOutcome } from './startOutcome';
import { WorktreeManager } from './worktree/manager';

// The shells take start()'s refusal from here, beside the Executor that throws it.
export { ExecutorStartError } from './startOutcome';

const noopLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export class Executor extends EventEmitter<ExecutorEvents> implements ExecutorControl {
  private readonly log: Logger;
  private readonly slots: SlotTable;
  private readonly outbox: Outbox;
  private readonly approvals: Approvals;
  /** Conversation worktrees (local mode): `worktrees` in the control API for a shell's list/prune. */
  readonly worktrees: WorktreeManager;
  /** Warm Claude Code processes: the conversations' between turns and a spare for the next one. */
  private readonly processes: ClaudeProcesses;
  /** The tasks running here, task:execute to task:complete (runningTasks.ts). */
  private readonly running: RunningTasks;
  /** task:diff, task:apply, task:forget and a finished task's changes (conversationRequests.ts). */
  private readonly conversations: ConversationRequests;
  private identity?: DeviceIdentity;
  private connection?: DeviceConnection;
  private draining = false;
  private lastSnapshot = '';
  private host?: HostSettings;

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
    this.conversations = new ConversationRequests({ mode: options.mode, worktrees: this.worktrees, processes: this.processes, runs: (taskId) => this.running.conversationRuns(taskId), log: this.log });
    this.running = new RunningTasks({
      slots: this.slots,
      outbox: this.outbox,
      approvals: this.approvals,
      conversations: this.conversations,
      execution: { options, worktrees: this.worktrees, processes: this.processes, approvals: this.approvals, host: () => this.hostSettings(), log: this.log },
      log: this.log,
      draining: () => this.draining,
      stream: (subtaskId, event) => this.stream(subtaskId, event),
      started: (info) => this.emit('task:start', info),
      ended: (end) => this.emit('task:end', end),
      emitState: () => this.emitState(),
    });
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
      onExecute: (payload, ack) => this.running.onExecute(payload, ack),
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
      if (s === 'error') this.running.shutdownAll();
      this.emitState();
    });
    connection.on('registered', (ok) => this.log.info(`Device "${deviceName}" is online`, { device_id: deviceId, backend: this.options.backendUrl, heartbeat_interval_s: ok.heartbeat_interval_s }));
    const outcome = firstOutcome(connection);
    connection.start();
    await outcome;
  }

  cancel(subtaskId: string): boolean {
    return this.running.cancel(subtaskId);
  }

  async stop(options: StopOptions = {}): Promise<void> {
    this.draining = true;
    this.processes.setActive(false);
    if (options.drain && this.running.size) {
      const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
      this.log.info(`Waiting up to ${Math.round(graceMs / 1000)} s for ${this.running.size} running task(s) to finish`);
      // No new task can start while draining: wait for these to end, or the grace period, whichever is first.
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((r) => (timer = setTimeout(r, graceMs)));
      await Promise.race([this.running.allDone(), grace]);
      clearTimeout(timer);
    }
    this.running.shutdownAll();
    await this.running.allDone();
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
}

export function createExecutor(options: ExecutorOptions): Executor {
  return new Executor(options);
}
