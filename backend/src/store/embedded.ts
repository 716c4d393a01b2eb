// Where the backend's Redis comes from when REDIS_URL is unset: one already answering on
// 127.0.0.1:6379, else a private `redis-server` (append-only persistence) in the data dir on a free
// port, stopped when the backend exits. If redis-server is not installed, say how to get it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';


/**
 * The append-only file (fsync every second) is the persistence. RDB snapshots are off: under
 * heartbeat load Redis would fork a snapshot every minute, and on a small machine each fork stalls
 * every heartbeat for 100+ ms (the presence bench measured it).
 */
export const EMBEDDED_PERSISTENCE = ['--appendonly', 'yes', '--appendfsync', 'everysec', '--save', ''];
export interface RedisTarget {
  url: string;
  /** Set when we started redis-server ourselves. */
  stop?: () => Promise<void>;
  source: 'env' | 'local-6379' | 'embedded';
}

export class RedisMissingError extends Error {
  override name = 'RedisMissingError';
}

function ping(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ port, host: '127.0.0.1' });
    let buf = '';
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.on('error', () => done(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      buf += d.toString();
      // "-NOAUTH" also means a Redis is there, but one we cannot use without a URL.
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

const INSTALL_HINT =
  'Redis is needed and none was found. Install it (Debian/Ubuntu: `sudo apt-get install redis-server`; macOS: `brew install redis`), ' +
  'or point REDIS_URL at a running Redis (e.g. REDIS_URL=redis://127.0.0.1:6379).';

/** `localPort`: where to look for an already running Redis (6379; WEGENT_LOCAL_REDIS_PORT changes it). */
export async function resolveRedis(redisUrl: string | undefined, dataDir: string, localPort = 6379): Promise<RedisTarget> {
  if (redisUrl) return { url: redisUrl, source: 'env' };
  if (localPort > 0 && (await ping(localPort))) return { url: `redis://127.0.0.1:${localPort}`, source: 'local-6379' };

  const dir = join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // A backend already running on this data dir owns its private Redis: share it (the CLI does this).
  const portFile = join(dir, 'port');
  if (existsSync(portFile)) {
    const running = Number(readFileSync(portFile, 'utf8').trim());
    if (running > 0 && (await ping(running))) return { url: `redis://127.0.0.1:${running}`, source: 'embedded' };
  }
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...EMBEDDED_PERSISTENCE, '--protected-mode', 'yes', '--daemonize', 'no', '--loglevel', 'warning'],
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
      if (await ping(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the private redis-server did not start within 15 s');
  })();
  await Promise.race([ready, failed]);
  writeFileSync(portFile, `${port}\n`, { mode: 0o600 });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  return {
    url: `redis://127.0.0.1:${port}`,
    source: 'embedded',
    stop: () =>
      new Promise<void>((resolve) => {
        process.off('exit', kill);
        rmSync(portFile, { force: true });
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM'); // redis-server flushes its append-only file on SIGTERM
      }),
  };
}
