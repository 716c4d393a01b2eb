// The public surface of the executor core: what the VS Code extension and the headless CLI (two thin
// shells) see. The core never imports `vscode`; a shell gives it options and listens to its events.
import type { ExecutorMode, Isolation, PermissionMode, ProtocolError, TaskEvent } from '@wegent/shared';
import type { AnswerOutcome, OpenApproval, PermissionAnswer } from './approvals';
import type { WorktreeManager } from './worktree/manager';
import type { Shell } from './shellWords';

export type { AnswerOutcome, OpenApproval, PermissionAnswer };

/** Connection state a UI shows: status bar, CLI log line, webview banner. */
export type ExecutorState = 'disconnected' | 'connecting' | 'online' | 'busy' | 'offline' | 'error';

export interface RunningTaskInfo {
  subtaskId: string;
  taskId: string;
  prompt: string;
  startedAt: string;
}

export interface ExecutorSnapshot {
  state: ExecutorState;
  deviceId: string;
  deviceName: string;
  backendUrl: string;
  slotsUsed: number;
  maxSlots: number;
  running: RunningTaskInfo[];
  /** Set when state is 'error' (and kept as the last error while reconnecting). */
  error?: ProtocolError;
  /** Permission requests of this device's tasks waiting for an answer ("needs input"). */
  waitingApprovals: Array<Pick<OpenApproval, 'subtaskId' | 'requestId' | 'toolName' | 'requestedAt'>>;
}

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** What a shell gives the core; resolveOptions (options.ts) applies every default and clamp, once for both shells. */
export interface ExecutorOptions {
  backendUrl: string;
  token: string;
  /** Task cwd in local mode; in cloud mode the root under which per-user/per-task dirs are made. */
  workspace: string;
  mode?: ExecutorMode;
  maxSlots?: number;
  /** Overrides "<OS type> - <hostname> · <folder>". */
  deviceName?: string;
  /** Overrides the per-folder id from identity.ts (the VS Code shell computes it first; tests run several devices). */
  deviceId?: string;
  /** The ceiling of every task's mode; never 'bypassPermissions' unless the user chose it. Default DEFAULT_DEVICE_PERMISSION_MODE. */
  permissionMode?: PermissionMode;
  /** Path of the Claude Code executable; default: the SDK's bundled binary. */
  claudeCodePath?: string;
  /** Where the cached device id and the conversation worktrees live; default ~/.wegent-executor. */
  dataDir?: string;
  /** Local mode: `worktree` (default) runs each conversation in its own git worktree; `none` in the workspace itself. */
  isolation?: Isolation;
  /** Run in every new worktree before its first task (e.g. "npm ci"); output shown in the chat. */
  setupCommand?: string;
  /** Extra environment for Claude Code (e.g. ANTHROPIC_BASE_URL); set over the allow-listed part of process.env (agentEnv.ts). */
  env?: Record<string, string>;
  /** Names of further variables of process.env Claude Code may see (never WEGENT_*). */
  passEnv?: string[];
  logger?: Logger;
  executorVersion?: string;
  /** Which shell runs this executor: its messages name that shell's settings or flags (shellWords.ts). Default 'cli'. */
  shell?: Shell;
  /** How long a conversation's Claude Code process stays warm after a turn (default 10 min; 0: every turn starts cold). */
  keepAliveMs?: number;
  /** Keep one Claude Code process started ahead for the next new conversation (default true; ~250 MB while idle). */
  spareProcess?: boolean;
  /** How long a permission request waits for an answer before it is denied (default 15 min). */
  approvalTimeoutMs?: number;
  /** How long to wait for an ack from the backend before treating it as lost (default 10 000). */
  ackTimeoutMs?: number;
  /** First reconnect delay in ms; grows to reconnectDelayMaxMs with jitter (default 1000). */
  reconnectDelayMs?: number;
  /** Longest reconnect delay in ms (default 10 000, so a blip never outlasts the online TTL). */
  reconnectDelayMaxMs?: number;
}

export interface StopOptions {
  /** Let running tasks finish (up to graceMs) before cancelling them; default false: cancel now. */
  drain?: boolean;
  /** Default DEFAULT_GRACE_MS (options.ts). */
  graceMs?: number;
}

/**
 * What a shell holds (`executor.ts` exports `Executor`, a typed EventEmitter with these methods).
 * start() resolves once the first connection attempt has an outcome: registered, or a retryable
 * failure (state 'connecting', retrying in the background). It rejects with an ExecutorStartError
 * when the attempt is refused for good (bad/expired token, device owned by another account).
 */
export interface ExecutorControl {
  start(): Promise<void>;
  /** Stops taking tasks, ends running ones (see StopOptions), reports them, then disconnects. */
  stop(options?: StopOptions): Promise<void>;
  snapshot(): ExecutorSnapshot;
  /** Cancels a running task as `task:cancel` would. */
  cancel(subtaskId: string): boolean;
  /** Permission requests waiting for an answer, with everything a prompt shows. */
  openApprovals(): OpenApproval[];
  /** The person at this device answers a request (`by: "device"`); refused when it was decided already. */
  answerPermission(subtaskId: string, requestId: string, answer: PermissionAnswer): AnswerOutcome;
  /** This device's conversation worktrees (review, Open Changes, list/prune). */
  readonly worktrees?: WorktreeManager;
}

/** Events emitted by the Executor (it is a typed EventEmitter). */
export interface ExecutorEvents {
  state: [ExecutorSnapshot];
  'task:start': [RunningTaskInfo];
  'task:event': [{ subtaskId: string; event: TaskEvent }];
  /** A task asks for permission (a shell shows its local prompt) … */
  'approval:opened': [OpenApproval];
  /** … and the request was decided, here or anywhere else (the shell closes its prompt). */
  'approval:closed': [OpenApproval, { decision: 'allow' | 'deny'; by: 'chat' | 'device' | 'timeout' }];
  'task:end': [{ subtaskId: string; status: 'completed' | 'failed' | 'cancelled'; result?: string; error?: ProtocolError }];
}
