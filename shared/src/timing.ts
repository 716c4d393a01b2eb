// Timing and sizing defaults of protocol v1. Each timing default is overridable by env
// (WEGENT_HEARTBEAT_INTERVAL_MS, WEGENT_ONLINE_TTL_MS, WEGENT_MONITOR_INTERVAL_MS) so tests can
// run the real presence machinery in milliseconds instead of minutes.

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 30_000;
export const DEFAULT_ONLINE_TTL_MS = 90_000;
export const DEFAULT_MONITOR_INTERVAL_MS = 60_000;

/** A device runs at most this many tasks at once (S8). */
export const MAX_SLOTS = 5;
export const DEFAULT_SLOTS = 5;

/** API tokens live 7 days (S3). */
export const TOKEN_TTL_S = 7 * 24 * 60 * 60;

/** How long the backend waits for a `task:execute` ack before sending it again. */
export const EXECUTE_ACK_TIMEOUT_MS = 5_000;

/**
 * How long a chat client waits for the answer to one request (a /chat ack or an HTTP reply) before
 * it tells the user the backend did not answer. The browser page and the VS Code host both use it;
 * the VS Code webview waits a little longer, so the host's own, more precise answer comes first.
 */
export const CHAT_REQUEST_TIMEOUT_MS = 15_000;

/** Queued subtasks a single device may hold before `chat:send` answers QUEUE_FULL. */
export const MAX_QUEUE_PER_DEVICE = 100;

/** Size limits that keep one client from exhausting the backend. */
export const LIMITS = {
  messageChars: 100_000,
  eventsPerProgress: 500,
  textChars: 1_000_000,
  progressBytes: 2_000_000,
  /** One Socket.IO event; a larger one is answered PAYLOAD_TOO_LARGE without being read. */
  socketFrameBytes: 4_000_000,
  /** A frame past this is not read at all: the connection is closed (WebSocket 1009, polling HTTP 413). */
  socketFrameCloseBytes: 8_000_000,
  deviceNameChars: 200,
  tokenNameChars: 100,
  /** A note to Claude with a denial, or one answer to a question. */
  permissionNoteChars: 10_000,
  /** A diff answered to `chat:diff`; a longer one is cut (at a line end) with `truncated: true`. */
  diffBytes: 1_000_000,
  /** Deleted conversations named in one heartbeat or register ack (`forget_task_ids`), and confirmed in one heartbeat. */
  forgetIds: 100,
  /** Files listed in `task:complete.changes`; more are counted but not named (`files_truncated`). */
  changedFiles: 1_000,
} as const;

/** GET /api/usage: the days it answers when asked for none, the longest range it takes, how long days are kept. */
export const USAGE_LIMITS = { defaultDays: 30, maxDays: 366, keptDays: 400 } as const;

/** How long the backend waits for a device to answer `task:diff` / `task:apply`: under CHAT_REQUEST_TIMEOUT_MS, so the chat hears why. */
export const DEVICE_REQUEST_TIMEOUT_MS = 10_000;

/** How long a conversation's Claude Code process stays warm after its turn, for the next message. */
export const DEFAULT_KEEP_ALIVE_MS = 10 * 60_000;

/** How long a device waits for an answer to a permission request before denying it (by "timeout"). */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 15 * 60_000;

export interface Timing {
  heartbeatIntervalMs: number;
  onlineTtlMs: number;
  monitorIntervalMs: number;
}

/** A timing override that is not a whole number of milliseconds > 0: names the variable, the value and what is allowed. */
export class TimingEnvError extends Error {
  override name = 'TimingEnvError';
  constructor(readonly variable: string, readonly value: string) {
    super(`${variable} must be a whole number of milliseconds greater than 0 (got "${value}"); leave it unset for the default.`);
  }
}

function positiveInt(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(n) || n <= 0) throw new TimingEnvError(name, raw);
  return n;
}

/** Reads the timing overrides from an environment (process.env by default); throws TimingEnvError on a bad value. */
export function timingFromEnv(env: Record<string, string | undefined> = process.env): Timing {
  return {
    heartbeatIntervalMs: positiveInt(env, 'WEGENT_HEARTBEAT_INTERVAL_MS', DEFAULT_HEARTBEAT_INTERVAL_MS),
    onlineTtlMs: positiveInt(env, 'WEGENT_ONLINE_TTL_MS', DEFAULT_ONLINE_TTL_MS),
    monitorIntervalMs: positiveInt(env, 'WEGENT_MONITOR_INTERVAL_MS', DEFAULT_MONITOR_INTERVAL_MS),
  };
}
