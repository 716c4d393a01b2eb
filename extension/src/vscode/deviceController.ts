// Owns the lifetime of this window's executor: at most one runs at a time; connecting again replaces
// it. UIs (status bar, output, chat) follow it through the callbacks. Free of `vscode`, so the same
// controller is tested against a real backend in plain mocha and inside the extension host.
import type { EventEmitter } from 'node:events';
import { ErrorCode, type ProtocolError, type TaskEvent } from '@wegent/shared';
import type {
  AnswerOutcome, ExecutorControl, ExecutorEvents, ExecutorOptions, ExecutorSnapshot, Logger, OpenApproval, PermissionAnswer, RunningTaskInfo,
  StopOptions,
} from '../executor/api';

export type ApprovalOutcome = ExecutorEvents['approval:closed'][1];

/** What the shell holds of the executor core (`executor.ts` exports a class with this shape). */
export type ExecutorHandle = EventEmitter<ExecutorEvents> & ExecutorControl;
export type ExecutorFactory = (options: ExecutorOptions) => ExecutorHandle;

export interface DeviceControllerSinks {
  log: Logger;
  onSnapshot(snapshot: ExecutorSnapshot | undefined): void;
  /** Called once each time the executor enters the 'error' state (e.g. token revoked mid-run). */
  onError(error: ProtocolError): void;
  taskStarted?(task: RunningTaskInfo): void;
  taskEvent?(subtaskId: string, event: TaskEvent): void;
  taskEnded?(subtaskId: string, status: string, error?: ProtocolError): void;
  /** A task of this device asks for permission (show the local prompt) … */
  approvalOpened?(approval: OpenApproval): void;
  /** … and it was decided, here or in a chat (close the prompt). */
  approvalClosed?(approval: OpenApproval, outcome: ApprovalOutcome): void;
}

export class DeviceController {
  private executor: ExecutorHandle | undefined;
  private lastState: ExecutorSnapshot['state'] | undefined;
  /** While start() runs, a refusal is reported by connect() rejecting, not by onError as well. */
  private starting = false;
  /**
   * The device id this window served last and was not taken over from: seen online in the device
   * list, it is this window's own (a just-stopped executor lingers there for a moment), not a twin.
   */
  private owned: string | undefined;

  constructor(
    private readonly createExecutor: ExecutorFactory,
    private readonly sinks: DeviceControllerSinks,
  ) {}

  get snapshot(): ExecutorSnapshot | undefined {
    return this.executor?.snapshot();
  }

  get ownDeviceId(): string | undefined {
    return this.owned;
  }

  get isRunning(): boolean {
    return this.executor !== undefined;
  }

  /** The running executor's conversation worktrees (Open Changes). */
  get worktrees() {
    return this.executor?.worktrees;
  }

  openApprovals(): OpenApproval[] {
    return this.executor?.openApprovals() ?? [];
  }

  /** The person at this machine answered a request (decided already elsewhere: refused). */
  answerPermission(subtaskId: string, requestId: string, answer: PermissionAnswer): AnswerOutcome {
    return this.executor?.answerPermission(subtaskId, requestId, answer) ?? { ok: false, decidedBy: 'device', decision: 'deny' };
  }

  /** Starts an executor with these options, stopping any previous one first. */
  async connect(options: ExecutorOptions): Promise<ExecutorSnapshot> {
    await this.disconnect();
    const executor = this.createExecutor({ ...options, logger: options.logger ?? this.sinks.log });
    this.executor = executor;
    this.lastState = undefined;
    executor.on('state', (snapshot) => this.onState(executor, snapshot));
    executor.on('task:start', (task) => this.sinks.taskStarted?.(task));
    executor.on('task:event', ({ subtaskId, event }) => this.sinks.taskEvent?.(subtaskId, event));
    executor.on('task:end', ({ subtaskId, status, error }) => this.sinks.taskEnded?.(subtaskId, status, error));
    executor.on('approval:opened', (a) => this.sinks.approvalOpened?.(a));
    executor.on('approval:closed', (a, outcome) => this.sinks.approvalClosed?.(a, outcome));
    this.sinks.onSnapshot(executor.snapshot());
    this.starting = true;
    try {
      await executor.start();
    } catch (err) {
      // start() refusing (bad token, no SDK, …) leaves nothing running.
      if (this.executor === executor) await this.disconnect();
      throw err;
    } finally {
      this.starting = false;
    }
    this.owned = executor.snapshot().deviceId;
    return executor.snapshot();
  }

  /** Stops the executor; with `drain` running tasks finish first, else they are cancelled. */
  async disconnect(opts: StopOptions = {}): Promise<void> {
    const executor = this.executor;
    if (!executor) return;
    this.executor = undefined;
    try {
      await executor.stop(opts);
    } finally {
      executor.removeAllListeners();
      this.sinks.onSnapshot(undefined);
    }
  }

  private onState(executor: ExecutorHandle, snapshot: ExecutorSnapshot): void {
    if (executor !== this.executor) return; // a late event from a replaced executor
    const entered = snapshot.state !== this.lastState;
    this.lastState = snapshot.state;
    this.sinks.onSnapshot(snapshot);
    if (entered && snapshot.error?.code === ErrorCode.DEVICE_REPLACED && this.owned === snapshot.deviceId) this.owned = undefined;
    if (entered && snapshot.state === 'error' && snapshot.error && !this.starting) this.sinks.onError(snapshot.error);
  }
}
