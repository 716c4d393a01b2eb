// The listen backlog (issue 17, the reconnect storm): Node's default 511 overflowed when 10,000
// devices reconnected at once, and TCP retried each dropped handshake only after 1, 3, 7, 15 s.
// The backend asks the kernel for WEGENT_LISTEN_BACKLOG (4,096 by default); `ss` shows what the
// listening socket got (its Send-Q), and a kernel cap below that is reported at start.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis, type TestRedis } from '../../test/support/redis';
import { startBackend } from '../../test/support/backend';
import { LISTEN_BACKLOG } from '../src/config';
import { backlogCap } from '../src/listenBacklog';

/** The backlog of the socket listening on `port`, as the kernel reports it. */
function listenBacklog(port: number): number {
  const line = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' }).trim().split('\n')[0];
  return Number(line.split(/\s+/)[2]);
}

describe('listen backlog: room for a reconnect storm', function () {
  this.timeout(30_000);
  let redis: TestRedis;
  const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));

  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis?.stop();
  });

  it('listens with the default backlog (as far as the kernel allows) and with the one configured', async () => {
    for (const [env, want] of [[{}, Math.min(LISTEN_BACKLOG, somaxconn)], [{ WEGENT_LISTEN_BACKLOG: '1234' }, Math.min(1234, somaxconn)]] as const) {
      const backend = await startBackend({ redisUrl: redis.url, env });
      try {
        assert.equal(listenBacklog(backend.port), want);
      } finally {
        await backend.stop();
      }
    }
  });

  it('knows when the kernel would cut the backlog short, and says nothing when it would not', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'wegent-backlog-')), 'somaxconn');
    writeFileSync(file, '128\n');
    assert.equal(backlogCap(4096, file), 128);
    assert.equal(backlogCap(100, file), undefined);
    assert.equal(backlogCap(4096, join(file, 'missing')), undefined);
  });
});
