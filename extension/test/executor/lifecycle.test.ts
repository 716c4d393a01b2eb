// Executor start/stop without a working backend: a refused port resolves start() with a clear
// "cannot reach" state, and stop() during a first attempt that hangs does not leave start() waiting.
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { freePort } from '../../../test/support/redis';
import { waitFor } from '../../../test/support/wait';
import { Executor } from '../../src/executor/executor';
import { removeTempDirs, silentLogger, tempDir } from './tmp';

describe('executor: lifecycle without a backend', function () {
  this.timeout(60_000);
  after(removeTempDirs);

  const make = (backendUrl: string) =>
    new Executor({ backendUrl, token: 'token-not-checked', workspace: tempDir('ws'), dataDir: tempDir('data'), logger: silentLogger, reconnectDelayMs: 100 });

  it('resolves start() as "connecting" with an actionable error when nothing listens, and keeps retrying', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const executor = make(url);
    await executor.start();
    const snap = executor.snapshot();
    assert.equal(snap.state, 'connecting');
    assert.equal(snap.error?.code, 'UNAVAILABLE');
    assert.ok(snap.error!.message.includes(url) && /--backend-url/.test(snap.error!.message));
    await executor.stop();
    assert.equal(executor.snapshot().state, 'disconnected');
  });

  it('stop() during a first attempt that hangs lets start() return', async () => {
    const held: net.Socket[] = [];
    const server = net.createServer((s) => held.push(s)); // accepts, never answers
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const executor = make(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      const started = executor.start();
      // The first attempt is under way once the listener holds its connection.
      await waitFor(() => held.length > 0, { message: 'the executor never attempted to connect' });
      await executor.stop();
      await started;
      assert.equal(executor.snapshot().state, 'disconnected');
    } finally {
      for (const s of held) s.destroy();
      server.close();
    }
  });
});
