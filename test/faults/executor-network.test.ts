// Network faults between a real executor (real Agent SDK, scripted model) and the real backend:
// the executor's connection cut (client side) and its transport closed by the server, repeatedly,
// mid-stream, plus the chat's own connection dropped; a reconnect within the TTL keeps the task,
// one after the TTL finds it failed and is told to cancel it. The chat must end with every event
// exactly once, in order, and exactly the text the model produced.
import assert from 'node:assert/strict';
import { ErrorCode } from '@wegent/shared';
import { keys } from '../../backend/src/store/keys';
import { reply, text } from '../support/modelServer';
import { waitFor } from '../support/wait';
import { redisClient } from '../support/redis';
import { startTcpProxy, type TcpProxy } from '../../extension/test/executor/tcpProxy';
import { FULL, recordFigure, scaled } from './support/figures';
import { TTL_MS, startFaultStack, type FaultStack } from './support/executorStack';

describe('faults: network drops between executor, backend and chat', function () {
  this.timeout(FULL ? 600_000 : 240_000);
  let stack: FaultStack;
  let proxy: TcpProxy;
  const figures = { faults: 0, lostEvents: 0, duplicatedEvents: 0, tasks: 0 };

  before(async function () {
    this.timeout(120_000);
    // In process, so the test can close executor transports from the server side.
    stack = await startFaultStack({ inProcess: true });
    proxy = await startTcpProxy(stack.backend.port);
  });
  // Every executor shares this machine's device id: one left running by a failed test would take
  // over the next test's device.
  afterEach(() => stack?.stopExecutors());
  after(async () => {
    recordFigure('network faults', figures);
    await proxy?.close();
    await stack?.stop();
  });

  const words = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i} `).join('');

  function serverSideDrop(): number {
    const sockets = [...stack.backend.app!.io.of('/local-executor').sockets.values()];
    for (const s of sockets) s.conn.close();
    return sockets.length;
  }

  it('completes a task through repeated client-side and server-side drops; the chat gets every event once, in order', async () => {
    const rounds = scaled(3, 12);
    const executor = await stack.executor({ backendUrl: proxy.url });
    const deviceId = executor.snapshot().deviceId;
    const chunks = scaled(150, 900);
    const said = words(chunks, 'w');
    stack.model.script('NET-DROPS', reply(text(said), { chunks, chunkDelayMs: 35 }));
    const sent = await stack.chat.sendOk({ device_id: deviceId, message: 'NET-DROPS stream through the storm' });
    const step = Math.floor(said.length / (rounds + 2));
    for (let round = 0; round < rounds; round++) {
      // Spread the drops over the stream: wait until it has moved on by one step, then drop something.
      await waitFor(() => stack.chat.text(sent.subtask_id).length >= step * (round + 1), { timeout: 60_000, message: `stream stalled before drop ${round + 1}` });
      assert.ok(!stack.chat.streams.get(sent.subtask_id)?.done, `the task ended before drop ${round + 1}`);
      if (round % 3 === 0) proxy.cut(300);
      else if (round % 3 === 1) await waitFor(() => serverSideDrop() >= 1, { timeout: 30_000, message: 'no executor socket to drop' });
      else (stack.chat.chat.socket.io as unknown as { engine: { close(): void } }).engine.close();
      figures.faults++;
      await waitFor(() => ['online', 'busy'].includes(executor.snapshot().state), { timeout: 30_000, message: 'executor never came back' });
    }
    const done = await stack.chat.waitForDone(sent.subtask_id);
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    const check = await stack.chat.assertIntact(sent.subtask_id, said);
    figures.tasks++;
    assert.ok(stack.chat.reconnects >= 1, 'the chat drop never happened');
    const stored = await redisSeqs(sent.subtask_id);
    assert.deepEqual(stored, Array.from({ length: check.seqs }, (_, i) => i + 1), 'Redis holds every seq once, in order');
    await executor.stop();
  });

  async function redisSeqs(subtaskId: string): Promise<number[]> {
    const r = redisClient(stack.redis.url);
    try {
      return (await r.lrange(keys.subtaskEvents(subtaskId), 0, -1)).map((x) => JSON.parse(x).seq);
    } finally {
      r.disconnect();
    }
  }

  it('keeps a task running when the executor reconnects within the online TTL', async () => {
    const executor = await stack.executor({ backendUrl: proxy.url });
    const said = words(100, 'k');
    stack.model.script('WITHIN-TTL', reply(text(said), { chunks: 100, chunkDelayMs: 40 }));
    const sent = await stack.chat.sendOk({ device_id: executor.snapshot().deviceId, message: 'WITHIN-TTL keep going' });
    await waitFor(() => stack.chat.text(sent.subtask_id).length > 0, { timeout: 60_000, message: 'first text' });
    proxy.cut(TTL_MS / 2); // offline for half the TTL
    figures.faults++;
    const done = await stack.chat.waitForDone(sent.subtask_id);
    assert.equal(done.status, 'completed', `a reconnect within the TTL lost the task: ${JSON.stringify(done.error)}`);
    await stack.chat.assertIntact(sent.subtask_id, said);
    figures.tasks++;
    await executor.stop();
  });

  it('fails a task at the TTL when the executor stays away longer, and makes it cancel the task on return', async () => {
    const executor = await stack.executor({ backendUrl: proxy.url });
    stack.model.script('PAST-TTL', reply(text(words(400, 'p')), { chunks: 400, chunkDelayMs: 60 }));
    const sent = await stack.chat.sendOk({ device_id: executor.snapshot().deviceId, message: 'PAST-TTL long job' });
    await waitFor(() => stack.chat.text(sent.subtask_id).length > 0, { timeout: 60_000, message: 'first text' });
    const cutAt = Date.now();
    proxy.cut(TTL_MS + 3000);
    figures.faults++;
    const done = await stack.chat.waitForDone(sent.subtask_id, 60_000);
    const detectedMs = Date.now() - cutAt;
    assert.equal(done.status, 'failed');
    assert.equal(done.error?.code, ErrorCode.DEVICE_OFFLINE);
    assert.ok(detectedMs >= TTL_MS - 1000 && detectedMs <= TTL_MS + 4000, `failed ${detectedMs} ms after the cut (TTL ${TTL_MS} ms)`);
    const seqsAtFailure = (await redisSeqs(sent.subtask_id)).length;
    // Back online: the backend names the task in cancel_subtask_ids and the executor stops it.
    await waitFor(() => executor.snapshot().running.length === 0, { timeout: 30_000, message: 'the executor kept running a task the backend had failed' });
    await stack.model.waitFor((reqs) => reqs.some((r) => r.marker === 'PAST-TTL' && r.clientAborted), 30_000);
    assert.equal((await redisSeqs(sent.subtask_id)).length, seqsAtFailure, 'output was applied to a task after it failed');
    recordFigure('offline detection after a cut', { ttlMs: TTL_MS, detectedMs });
    figures.tasks++;
    await executor.stop();
  });
});
