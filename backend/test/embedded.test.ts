// wegent-admin (and a second backend on the same data dir) share the private Redis a running
// backend started, found through the socket path it left in <data dir>/redis/socket. A Redis that is
// slow to answer is waited for, not replaced: a second redis-server on the same data dir would write
// its own append-only file there, and what the CLI wrote (a new password) would go to it and vanish.
// A stand-in listens on the socket, so how fast it answers is up to the test.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveRedis, type RedisTarget } from '../src/store/embedded';
import { waitFor } from '../../test/support/wait';

describe('embedded Redis: sharing a running backend\'s private Redis', function () {
  this.timeout(30_000);
  let dataDir: string;
  let server: Server | undefined;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'wegent-embedded-'));
    mkdirSync(join(dataDir, 'redis'), { mode: 0o700 });
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A stand-in Redis on a unix socket, named as the running one, answering PING after `delayMs` (never if null). */
  async function standIn(delayMs: number | null): Promise<string> {
    const path = join(dataDir, 'redis', 'redis.sock');
    server = createServer((c) => {
      c.on('data', () => {
        if (delayMs !== null) setTimeout(() => c.write('+PONG\r\n'), delayMs);
      });
      c.on('error', () => {});
    });
    await new Promise<void>((resolve) => server!.listen(path, resolve));
    writeFileSync(join(dataDir, 'redis', 'socket'), `${path}\n`);
    return path;
  }

  it('shares a running private Redis that takes seconds to answer, instead of starting a second one', async () => {
    const path = await standIn(1_500);
    const target = await resolveRedis(undefined, dataDir, 0);
    assert.equal(target.source, 'embedded');
    assert.equal(target.url, path);
    assert.equal(target.stop, undefined, 'it did not start a redis-server of its own');
  });

  it('refuses with a clear message when something listens there but never answers', async () => {
    await standIn(null);
    await assert.rejects(resolveRedis(undefined, dataDir, 0), /listens on .*redis\.sock.*did not answer within 10 s/);
  });
});

// Ctrl+C on `npm start` signals the whole foreground group: the private redis-server stops at once,
// the backend a moment later. A second `npm start` in that moment starts a new redis-server; the late
// backend must not then remove the note naming it, or wegent-admin would start a third one on the
// same data dir and its new password would go there instead (the fresh-clone test caught this in CI).
describe('embedded Redis: a backend that stops late, a new one already running', function () {
  this.timeout(60_000);
  let dataDir: string;
  const started: RedisTarget[] = [];

  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'wegent-embedded-'))));
  afterEach(async () => {
    for (const t of started.splice(0)) await t.stop?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  async function resolve(): Promise<RedisTarget> {
    const t = await resolveRedis(undefined, dataDir, 0);
    started.push(t);
    return t;
  }

  it('keeps the newer Redis named, so the next CLI shares it instead of starting its own', async () => {
    const first = await resolve();
    assert.ok(first.stop && first.pid, 'the first backend started a redis-server of its own');
    process.kill(first.pid, 'SIGTERM'); // the group's SIGTERM reaches redis-server directly
    await waitFor(() => !alive(first.pid!), { message: 'the first redis-server never exited' });

    const second = await resolve(); // the next `npm start`
    assert.ok(second.stop && second.pid !== first.pid, 'the second backend started a new redis-server');
    await first.stop(); // the first backend's shutdown gets to its Redis only now

    const cli = await resolve(); // wegent-admin, while the second backend runs
    assert.equal(cli.stop, undefined, 'wegent-admin started a redis-server of its own beside the running one');
    assert.equal(cli.url, second.url);
  });

  it('removes the note when its redis-server exits, and waits for a Redis that is stopping', async () => {
    const first = await resolve();
    const note = join(dataDir, 'redis', 'socket');
    assert.ok(existsSync(note));
    assert.equal(readFileSync(note, 'utf8').split('\n')[1], String(first.pid));
    process.kill(first.pid!, 'SIGTERM');
    await waitFor(() => !existsSync(note), { message: 'the note outlived its redis-server' });
    const second = await resolve();
    assert.ok(second.stop, 'a new redis-server started once the old one had gone');
    assert.ok(existsSync(second.url), 'its socket is there: the old Redis did not take it along when it exited');
  });
});
