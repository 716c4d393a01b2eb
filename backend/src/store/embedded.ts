// Where the backend's Redis comes from when REDIS_URL is unset: one already answering on
// 127.0.0.1:6379, else a private `redis-server` (append-only persistence) stopped when the backend
// exits. If redis-server is not installed, say how to get it.
//
// The private Redis holds every conversation and account, and has no password: it listens on no TCP
// port at all, only on a unix socket inside the owner-only data dir (`redis/`, mode 0700), so no
// other local user can reach it. A data dir whose path is too long for a socket address gets the
// socket in a fresh owner-only temp dir instead; `redis/socket` names where it is (wegent-admin reads it)
// and which redis-server owns it: a backend that stops late (Ctrl+C stops its Redis at once, the
// backend a moment later) must not remove the note of the Redis a newer backend started meanwhile.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, type NetConnectOpts } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * The append-only file (fsync every second) is the persistence. RDB snapshots are off: under
 * heartbeat load Redis would fork a snapshot every minute, and on a small machine each fork stalls
 * every heartbeat for 100+ ms (the presence bench measured it).
 */
export const EMBEDDED_PERSISTENCE = ['--appendonly', 'yes', '--appendfsync', 'everysec', '--save', ''];
export interface RedisTarget {
  /** A redis:// URL, or the path of a unix socket (ioredis takes both). */
  url: string;
  /** Set when we started redis-server ourselves. */
  stop?: () => Promise<void>;
  /** The redis-server's process id, when we started it. */
  pid?: number;
  source: 'env' | 'local-6379' | 'embedded';
}

export class RedisMissingError extends Error {
  override name = 'RedisMissingError';
}

/** 'pong': a Redis we can use; 'absent': nothing listens there; 'silent': something listens but gave no PONG in time. */
type Ping = 'pong' | 'absent' | 'silent';

function ping(where: NetConnectOpts, timeoutMs = 500): Promise<Ping> {
  return new Promise((resolve) => {
    const s = createConnection(where);
    let buf = '';
    const done = (r: Ping) => {
      s.destroy();
      resolve(r);
    };
    s.setTimeout(timeoutMs, () => done('silent'));
    s.on('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED' || err.code === 'ENOENT' ? 'absent' : 'silent'));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      buf += d.toString();
      // "-NOAUTH" also means a Redis is there, but one we cannot use without a URL.
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG') ? 'pong' : 'silent');
    });
  });
}

/** How long a running backend's private Redis may take to answer (a busy machine, an AOF rewrite). */
export const SHARED_REDIS_PATIENCE_MS = 10_000;

/**
 * Whether the private Redis a running backend left its socket path for is there. Only a socket
 * nobody listens on counts as gone: starting a second redis-server on the same data dir would write
 * its append-only file beside the first one's (what wegent-admin did when the backend's Redis took
 * more than half a second to answer: its new password went to a Redis that then stopped).
 */
async function privateRedisAt(path: string): Promise<boolean> {
  const r = await ping({ path }, SHARED_REDIS_PATIENCE_MS);
  if (r !== 'silent') return r === 'pong';
  throw new Error(`A Redis listens on ${path} (a running backend's private Redis) but did not answer within ${SHARED_REDIS_PATIENCE_MS / 1000} s. Is the machine very busy? Try again; if it stays so, stop the backend and start it again.`);
}

/**
 * A Redis that answers on the data dir's socket without a note naming it is one whose backend is
 * stopping it. Wait for it to go: a second redis-server started now would lose its socket file
 * when the first one exits (Redis unlinks its socket path on shutdown).
 */
async function stoppedRedisGone(path: string): Promise<void> {
  const deadline = Date.now() + SHARED_REDIS_PATIENCE_MS;
  while ((await ping({ path })) !== 'absent') {
    if (Date.now() > deadline) throw new Error(`A Redis still listens on ${path} though no backend names it. Is one stopping? Try again in a moment, or stop that redis-server.`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Longest unix socket path every platform accepts (sun_path: 108 bytes on Linux, 104 on macOS). */
const MAX_SOCKET_PATH = 100;

/** Where the private Redis's socket goes: in the data dir, or a fresh owner-only temp dir if too long. */
function socketPathFor(dir: string): string {
  const inDataDir = join(dir, 'redis.sock');
  if (Buffer.byteLength(inDataDir) <= MAX_SOCKET_PATH) return inDataDir;
  return join(mkdtempSync(join(tmpdir(), 'wegent-redis-')), 'redis.sock'); // mkdtemp: mode 0700
}

const INSTALL_HINT =
  'Redis is needed and none was found. Install it (Debian/Ubuntu: `sudo apt-get install redis-server`; macOS: `brew install redis`), ' +
  'or point REDIS_URL at a running Redis (e.g. REDIS_URL=redis://127.0.0.1:6379).';

/** `localPort`: where to look for an already running Redis (6379; WEGENT_LOCAL_REDIS_PORT changes it). */
export async function resolveRedis(redisUrl: string | undefined, dataDir: string, localPort = 6379): Promise<RedisTarget> {
  if (redisUrl) return { url: redisUrl, source: 'env' };
  if (localPort > 0 && (await ping({ port: localPort, host: '127.0.0.1' })) === 'pong') return { url: `redis://127.0.0.1:${localPort}`, source: 'local-6379' };

  const dir = join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700); // a dir made by an older version (or by hand) may be looser
  // A backend already running on this data dir owns its private Redis: share it (the CLI does this).
  const pointer = join(dir, 'socket');
  if (existsSync(pointer)) {
    const running = readFileSync(pointer, 'utf8').split('\n')[0].trim(); // line 2: the owner's pid
    if (running && (await privateRedisAt(running))) return { url: running, source: 'embedded' };
  }
  rmSync(join(dir, 'port'), { force: true }); // left by a version that listened on TCP
  const socketPath = socketPathFor(dir);
  await stoppedRedisGone(socketPath);
  rmSync(socketPath, { force: true }); // a stale socket file of a Redis that was killed
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', '0', '--unixsocket', socketPath, '--unixsocketperm', '700', '--dir', dir, ...EMBEDDED_PERSISTENCE, '--daemonize', 'no', '--loglevel', 'warning'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d.toString()));
  const failed = new Promise<never>((_, reject) =>
    child.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ENOENT' ? new RedisMissingError(INSTALL_HINT) : err)),
  );
  const ready = (async () => {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}: ${stderr.trim()}`);
      if ((await ping({ path: socketPath })) === 'pong') return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the private redis-server did not start within 15 s');
  })();
  await Promise.race([ready, failed]);
  const note = `${socketPath}\n${child.pid}\n`;
  writeFileSync(pointer, note, { mode: 0o600 });
  // The note goes with this redis-server, not with this process, and only while it is still ours.
  const release = () => {
    try {
      if (readFileSync(pointer, 'utf8') === note) rmSync(pointer, { force: true });
    } catch {
      /* already gone */
    }
  };
  child.once('exit', release);
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  return {
    url: socketPath,
    source: 'embedded',
    pid: child.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        process.off('exit', kill);
        release();
        // The temp dir of a socket that did not fit in the data dir goes with it.
        const cleanUp = () => (dirname(socketPath) !== dir ? rmSync(dirname(socketPath), { recursive: true, force: true }) : undefined);
        if (child.exitCode !== null) return (cleanUp(), resolve());
        child.once('exit', () => (cleanUp(), resolve()));
        child.kill('SIGTERM'); // redis-server flushes its append-only file on SIGTERM
      }),
  };
}
