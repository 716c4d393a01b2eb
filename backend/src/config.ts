// Environment → one typed, validated config, read once at start (docs/protocol.md "Running the backend").
// Bad values stop the backend with a message that says what to fix, instead of a surprise later.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AttachmentTtls } from './attachments';
import { ATTACHMENT_TTL_MS, ATTACHMENT_UNUSED_TTL_MS, EXECUTE_ACK_TIMEOUT_MS, MAX_QUEUE_PER_DEVICE, TimingEnvError, timingFromEnv, type Timing } from '@wegent/shared';

export interface Config {
  port: number;
  host: string;
  /** Unset: try 127.0.0.1:6379, else start a private redis-server (store/embedded.ts). Ignored with a cluster. */
  redisUrl: string | undefined;
  /** REDIS_CLUSTER_NODES: seed nodes of a Redis Cluster; set, the backend runs on the cluster. */
  redisClusterNodes: { host: string; port: number }[] | undefined;
  /** Port probed for an already running local Redis when REDIS_URL is unset (0 = never probe). */
  localRedisPort: number;
  jwtSecret: string;
  /** Where the secret came from — logged so operators know, the secret itself never is. */
  jwtSecretSource: 'env' | 'file';
  allowSignup: boolean;
  dataDir: string;
  timing: Timing;
  executeAckTimeoutMs: number;
  maxQueuePerDevice: number;
  logLevel: string;
  /** Create a first local user and print a token when there is none (default on). */
  bootstrapUser: boolean;
  /** Failed logins allowed per username+address per minute before 429 RATE_LIMITED. */
  loginAttemptsPerMinute: number;
  /** How long graceful shutdown waits for in-flight handlers before closing anyway. */
  shutdownGraceMs: number;
  /**
   * Connections the kernel may hold for us before we accept them (listen(2) backlog; Linux caps it
   * at net.core.somaxconn). Node's 511 overflows when thousands of devices reconnect at once after
   * a restart: dropped handshakes are retried by TCP after 1, 3, 7, 15 s, which is what users wait.
   */
  listenBacklog: number;
  /** Folder with the built chat page (index.html + assets). */
  webviewDir: string;
  /**
   * How Socket.IO reaches sockets held by other backend nodes. 'redis-streams' (default): the Redis
   * streams adapter, needed as soon as there are two nodes. 'local': in-memory, for a deployment that
   * is known to be one node (every broadcast skips a Redis XADD). 'redis-sharded' (the default on a
   * Redis Cluster, and the only Redis adapter allowed there): @socket.io/redis-adapter's sharded
   * adapter, one sharded pub/sub channel per room, spread over the shards (docs/deployment.md).
   */
  socketAdapter: 'redis-streams' | 'redis-sharded' | 'local';
  /**
   * Bearer secret that opens GET /metrics to any address (Prometheus `authorization`). Unset:
   * /metrics answers only connections from this machine (loopback).
   */
  metricsToken: string | undefined;
  /** Serve the chat page's *.map files (its source); off unless debugging the page. */
  serveSourceMaps: boolean;
  /** Caps on what one account or device may hold or send (docs/protocol.md "Timing and limits"). */
  limits: Limits;
  /** How long uploads live unused, and sent but not yet fetched (docs/protocol.md "Attachments"). */
  attachmentTtl: AttachmentTtls;
}

export interface Limits {
  /** Bytes of stored chunks per subtask; past it the stream is truncated with a note. */
  subtaskEventBytes: number;
  /** Events per subtask, same treatment. */
  subtaskEvents: number;
  /** task:progress points per device per second; a call costs 1 point per started PROGRESS_POINT_BYTES. */
  progressPointsPerSecond: number;
  /** Bytes of chunks in one chat:resume answer (at least one chunk), well under the 16 MB slow-consumer cap. */
  resumePageBytes: number;
  /** Bytes of task:execute.context.history (the newest entries are kept). */
  historyBytes: number;
  devicesPerUser: number;
  /** Conversations an account keeps. */
  tasksPerUser: number;
  /** Live API tokens (sign-in sessions included) per account. */
  tokensPerUser: number;
  /** Socket.IO connections per account on one backend node (both namespaces). */
  socketsPerUser: number;
  /** Entries the Socket.IO streams adapter keeps in its Redis stream (XADD MAXLEN ~). */
  adapterStreamMaxLen: number;
}

/** One rate-limit point per this many bytes of a task:progress's events (started). */
export const PROGRESS_POINT_BYTES = 64 * 1024;

export const DEFAULT_LIMITS: Limits = {
  subtaskEventBytes: 16_000_000,
  subtaskEvents: 20_000,
  progressPointsPerSecond: 200,
  resumePageBytes: 4_000_000,
  historyBytes: 2_000_000,
  devicesPerUser: 50,
  tasksPerUser: 10_000,
  tokensPerUser: 100,
  socketsPerUser: 200,
  adapterStreamMaxLen: 1_000,
};

function limits(env: Env): Limits {
  const d = DEFAULT_LIMITS;
  return {
    subtaskEventBytes: int(env, 'WEGENT_MAX_SUBTASK_EVENT_BYTES', d.subtaskEventBytes, 1),
    subtaskEvents: int(env, 'WEGENT_MAX_SUBTASK_EVENTS', d.subtaskEvents, 1),
    progressPointsPerSecond: int(env, 'WEGENT_PROGRESS_POINTS_PER_SECOND', d.progressPointsPerSecond, 1),
    // At least one whole chunk always goes out, so a page is never empty whatever this says.
    resumePageBytes: int(env, 'WEGENT_RESUME_PAGE_BYTES', d.resumePageBytes, 1, 12_000_000),
    historyBytes: int(env, 'WEGENT_MAX_HISTORY_BYTES', d.historyBytes, 0, 12_000_000),
    devicesPerUser: int(env, 'WEGENT_MAX_DEVICES_PER_USER', d.devicesPerUser, 1),
    tasksPerUser: int(env, 'WEGENT_MAX_TASKS_PER_USER', d.tasksPerUser, 1),
    tokensPerUser: int(env, 'WEGENT_MAX_TOKENS_PER_USER', d.tokensPerUser, 2),
    socketsPerUser: int(env, 'WEGENT_MAX_SOCKETS_PER_USER', d.socketsPerUser, 1),
    adapterStreamMaxLen: int(env, 'WEGENT_ADAPTER_STREAM_MAXLEN', d.adapterStreamMaxLen, 100),
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer between ${min} and ${max} (got "${raw}").`);
  return n;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be 1 or 0 (got "${env[name]}").`);
}

export const MIN_SECRET_BYTES = 32;

/** The JWT secret: WEGENT_JWT_SECRET, else one generated once into the data dir (mode 0600). */
function jwtSecret(env: Env, dataDir: string): { secret: string; source: 'env' | 'file' } {
  const fromEnv = env.WEGENT_JWT_SECRET;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (Buffer.byteLength(fromEnv) < MIN_SECRET_BYTES) {
      throw new ConfigError(`WEGENT_JWT_SECRET is too short: it must be at least ${MIN_SECRET_BYTES} bytes (e.g. \`openssl rand -hex 32\`).`);
    }
    return { secret: fromEnv, source: 'env' };
  }
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) {
    const secret = readFileSync(file, 'utf8').trim();
    if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) throw new ConfigError(`${file} holds a secret shorter than ${MIN_SECRET_BYTES} bytes; delete it to generate a new one.`);
    return { secret, source: 'file' };
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(48).toString('hex');
  writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { secret, source: 'file' };
}

function socketAdapter(env: Env, cluster: boolean): Config['socketAdapter'] {
  const raw = (env.WEGENT_SOCKET_ADAPTER ?? '').trim().toLowerCase();
  if (raw === 'local' || raw === 'none') return 'local';
  if (raw === 'redis-sharded' || (cluster && (raw === '' || raw === 'redis'))) return 'redis-sharded';
  if (raw === '' || raw === 'redis-streams' || raw === 'redis') {
    // Every broadcast of the streams adapter is one XADD to one key: on a cluster, one shard would carry them all.
    if (cluster) throw new ConfigError('WEGENT_SOCKET_ADAPTER=redis-streams cannot scale on a Redis Cluster (one stream key, one shard); use "redis-sharded" (the default there) or "local".');
    return 'redis-streams';
  }
  throw new ConfigError(`WEGENT_SOCKET_ADAPTER must be "redis-streams" (several nodes share one Redis), "redis-sharded" (Redis 7 sharded pub/sub; the default on a Redis Cluster) or "local" (one node only) (got "${env.WEGENT_SOCKET_ADAPTER}").`);
}

/** REDIS_CLUSTER_NODES: `host:port,host:port,…` (IPv6 as `[addr]:port`). */
function clusterNodes(env: Env): Config['redisClusterNodes'] {
  const raw = env.REDIS_CLUSTER_NODES?.trim();
  if (!raw) return undefined;
  return raw.split(',').map((entry) => {
    const m = /^\[?([^\[\]\s]+?)\]?:(\d{1,5})$/.exec(entry.trim());
    const port = m ? Number(m[2]) : 0;
    if (!m || port < 1 || port > 65535) {
      throw new ConfigError(`REDIS_CLUSTER_NODES must be comma-separated host:port seeds of a Redis Cluster, e.g. "10.0.0.1:6379,10.0.0.2:6379" (got "${entry.trim()}").`);
    }
    return { host: m[1], port };
  });
}

export const MIN_METRICS_TOKEN_CHARS = 16;

function metricsToken(env: Env): string | undefined {
  const raw = env.WEGENT_METRICS_TOKEN;
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < MIN_METRICS_TOKEN_CHARS) throw new ConfigError(`WEGENT_METRICS_TOKEN must be at least ${MIN_METRICS_TOKEN_CHARS} characters (e.g. \`openssl rand -hex 16\`).`);
  return raw;
}

/** The presence timing overrides (shared/src/timing.ts reads them): a bad one stops the start like any other bad value. */
function timingOf(env: Env): Timing {
  try {
    return timingFromEnv(env);
  } catch (err) {
    throw err instanceof TimingEnvError ? new ConfigError(err.message) : err;
  }
}

/** As big as a stock Linux (5.4+) lets one socket have (net.core.somaxconn 4096). */
export const LISTEN_BACKLOG = 4096;

export function loadConfig(env: Env = process.env): Config {
  const dataDir = resolve(env.WEGENT_DATA_DIR || join(homedir(), '.wegent'));
  const { secret, source } = jwtSecret(env, dataDir);
  const timing = timingOf(env);
  if (timing.heartbeatIntervalMs >= timing.onlineTtlMs) {
    throw new ConfigError('WEGENT_HEARTBEAT_INTERVAL_MS must be shorter than WEGENT_ONLINE_TTL_MS, or every device would flap offline.');
  }
  const redisClusterNodes = clusterNodes(env);
  return {
    port: int(env, 'PORT', 8080, 0, 65535),
    host: env.HOST || '127.0.0.1',
    redisUrl: env.REDIS_URL || undefined,
    redisClusterNodes,
    localRedisPort: int(env, 'WEGENT_LOCAL_REDIS_PORT', 6379, 0, 65535),
    jwtSecret: secret,
    jwtSecretSource: source,
    allowSignup: flag(env, 'WEGENT_ALLOW_SIGNUP', false),
    dataDir,
    timing,
    executeAckTimeoutMs: int(env, 'WEGENT_EXECUTE_ACK_TIMEOUT_MS', EXECUTE_ACK_TIMEOUT_MS, 1),
    maxQueuePerDevice: int(env, 'WEGENT_MAX_QUEUE_PER_DEVICE', MAX_QUEUE_PER_DEVICE, 0),
    logLevel: env.LOG_LEVEL || 'info',
    bootstrapUser: flag(env, 'WEGENT_BOOTSTRAP_USER', true),
    loginAttemptsPerMinute: int(env, 'WEGENT_LOGIN_ATTEMPTS_PER_MINUTE', 10, 1),
    shutdownGraceMs: int(env, 'WEGENT_SHUTDOWN_GRACE_MS', 5_000, 0),
    listenBacklog: int(env, 'WEGENT_LISTEN_BACKLOG', LISTEN_BACKLOG, 1, 65535),
    webviewDir: resolve(env.WEGENT_WEBVIEW_DIR || join(__dirname, '..', '..', 'webview-ui', 'dist')),
    socketAdapter: socketAdapter(env, redisClusterNodes !== undefined),
    metricsToken: metricsToken(env),
    serveSourceMaps: flag(env, 'WEGENT_SERVE_SOURCE_MAPS', false),
    limits: limits(env),
    attachmentTtl: {
      unusedMs: int(env, 'WEGENT_ATTACHMENT_UNUSED_TTL_MS', ATTACHMENT_UNUSED_TTL_MS, 1),
      sentMs: int(env, 'WEGENT_ATTACHMENT_TTL_MS', ATTACHMENT_TTL_MS, 1),
    },
  };
}
