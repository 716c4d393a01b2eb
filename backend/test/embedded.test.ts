// wegent-admin (and a second backend on the same data dir) share the private Redis a running
// backend started, found through the socket path it left in <data dir>/redis/socket. A Redis that is
// slow to answer is waited for, not replaced: a second redis-server on the same data dir would write
// its own append-only file there, and what the CLI wrote (a new password) would go to it and vanish.
// A stand-in listens on the socket, so how fast it answers is up to the test.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveRedis } from '../src/store/embedded';

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
