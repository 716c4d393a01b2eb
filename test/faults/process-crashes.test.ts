// Process faults with real processes: the backend SIGKILLed mid-task and started again, Redis
// killed mid-task and started again from its append-only file (the backend is NOT restarted), and
// the executor (the built wegent-executor CLI) SIGKILLed with a task running and one queued.
// Assertions are on what the chat received and what Redis holds.
import assert from 'node:assert/strict';
import { ErrorCode } from '@wegent/shared';
import { keys, userHome } from '../../backend/src/store/keys';
import { api } from '../support/clients';
import { reply, text } from '../support/modelServer';
import type { Executor } from '../../extension/src/executor/executor';
import { waitFor } from '../support/wait';
import { FULL, recordFigure, scaled } from './support/figures';
import { TTL_MS, startFaultStack, type FaultStack } from './support/executorStack';
import { redisSnapshot } from './support/stack';
import { redisClient } from '../support/redis';

describe('faults: backend, Redis and executor processes killed mid-task', function () {
  this.timeout(FULL ? 900_000 : 300_000);
  let stack: FaultStack;
  const figures = { faults: 0, tasks: 0, lostEvents: 0, duplicatedEvents: 0, stuckRunning: 0 };

  before(async function () {
    this.timeout(120_000);
    stack = await startFaultStack();
  });
  afterEach(() => stack?.stopExecutors());
  after(async () => {
    recordFigure('process faults', figures);
    await stack?.stop();
  });

  const words = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i} `).join('');
  const health = async () => (await api(stack.backend.url, 'GET', '/healthz').catch(() => ({ status: 0 }))).status;

  async function redisState(): Promise<Record<string, any>> {
    const r = redisClient(stack.redis.url);
    try {
      return JSON.parse(await redisSnapshot(r));
    } finally {
      r.disconnect();
    }
  }

  /** Counts the events the executor's tasks produce (what goes into its outbox), per subtask. */
  function countEvents(executor: Executor): (subtaskId: string) => number {
    const counts = new Map<string, number>();
    executor.on('task:event', ({ subtaskId }) => counts.set(subtaskId, (counts.get(subtaskId) ?? 0) + 1));
    return (subtaskId) => counts.get(subtaskId) ?? 0;
  }

  it('survives SIGKILL of the backend: executors reconnect, the running task completes, the queued one runs, the chat resumes', async () => {
    const executor = await stack.executor({ maxSlots: 1 });
    const deviceId = executor.snapshot().deviceId;
    const produced = countEvents(executor);
    for (let round = 0; round < scaled(1, 3); round++) {
      const longText = words(120, `a${round}-`);
      const shortText = `queued ${round} done`;
      stack.model.script(`KILL-A${round}`, reply(text(longText), { chunks: 120, chunkDelayMs: 40 }));
      stack.model.script(`KILL-B${round}`, reply(text(shortText)));
      const a = await stack.chat.sendOk({ device_id: deviceId, message: `KILL-A${round} long` });
      const b = await stack.chat.sendOk({ device_id: deviceId, message: `KILL-B${round} waits` });
      assert.equal(b.status, 'queued');
      await waitFor(() => stack.chat.text(a.subtask_id).length > 10, { timeout: 60_000, message: 'first text of the running task' });
      await stack.backend.kill();
      figures.faults++;
      // Down until the executor has produced output the backend could not take: it waits in the outbox.
      const atKill = produced(a.subtask_id);
      await waitFor(() => produced(a.subtask_id) >= atKill + 3, { timeout: 30_000, message: 'the task produced nothing while the backend was down' });
      await stack.backend.start();
      const doneA = await stack.chat.waitForDone(a.subtask_id);
      const doneB = await stack.chat.waitForDone(b.subtask_id);
      assert.equal(doneA.status, 'completed', JSON.stringify(doneA.error));
      assert.equal(doneB.status, 'completed', JSON.stringify(doneB.error));
      await stack.chat.assertIntact(a.subtask_id, longText);
      await stack.chat.assertIntact(b.subtask_id, shortText);
      figures.tasks += 2;
    }
    await executor.stop();
  });

  it('rides out a Redis crash: /healthz goes 503, then 200 again without a backend restart; no task or event lost', async () => {
    const executor = await stack.executor();
    const deviceId = executor.snapshot().deviceId;
    const produced = countEvents(executor);
    const said = words(150, 'r');
    stack.model.script('REDIS-DOWN', reply(text(said), { chunks: 150, chunkDelayMs: 40 }));
    const sent = await stack.chat.sendOk({ device_id: deviceId, message: 'REDIS-DOWN keep streaming' });
    await waitFor(() => stack.chat.text(sent.subtask_id).length > 10, { timeout: 60_000, message: 'first text' });
    const startsBefore = stack.backend.logs().split('Wegent backend listening').length;
    await stack.redis.kill();
    figures.faults++;
    await waitFor(async () => (await health()) === 503, { timeout: 15_000, message: '/healthz never reported Redis down' });
    // Down until the task has streamed on into a backend that cannot store it (answered UNAVAILABLE).
    const atDown = produced(sent.subtask_id);
    await waitFor(() => produced(sent.subtask_id) >= atDown + 10, { timeout: 30_000, message: 'the task produced nothing while Redis was down' });
    await stack.redis.start();
    await waitFor(async () => (await health()) === 200, { timeout: 30_000, message: '/healthz never recovered' });
    assert.equal(stack.backend.logs().split('Wegent backend listening').length, startsBefore, 'the backend restarted');
    // The outage was answered as "unavailable, retry" (UNAVAILABLE), never as an internal bug.
    assert.doesNotMatch(stack.backend.logs(), /"msg":"(handler failed|request failed)"|unhandled rejection|uncaught/i, 'the Redis outage surfaced as an internal error');
    const done = await stack.chat.waitForDone(sent.subtask_id);
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    const check = await stack.chat.assertIntact(sent.subtask_id, said);
    const state = await redisState();
    assert.equal(state[keys.subtask(sent.subtask_id)].status, 'completed');
    assert.equal(state[keys.subtaskEvents(sent.subtask_id)].length, check.seqs, 'Redis lost events');
    figures.tasks++;
    // And the backend still takes new work.
    stack.model.script('AFTER-REDIS', reply(text('still here')));
    const next = await stack.chat.sendOk({ device_id: deviceId, message: 'AFTER-REDIS ping' });
    assert.equal((await stack.chat.waitForDone(next.subtask_id)).status, 'completed');
    figures.tasks++;
    await executor.stop();
  });

  it('fails the tasks of a SIGKILLed executor at the TTL: running → DEVICE_OFFLINE, queued → DEVICE_UNAVAILABLE, slots freed, nothing left running', async () => {
    const cli = await stack.cli('Killed box', ['--max-slots', '1', '--verbose']);
    stack.model.script('EXEC-KILL', reply(text(words(50, 'x')), { chunks: 50, chunkDelayMs: 20, hang: true }));
    const running = await stack.chat.sendOk({ device_id: cli.deviceId, message: 'EXEC-KILL run forever' });
    const queued = await stack.chat.sendOk({ device_id: cli.deviceId, message: 'EXEC-KILL behind it' });
    assert.equal(queued.status, 'queued');
    await waitFor(() => stack.chat.text(running.subtask_id).length > 0, { timeout: 60_000, message: 'the CLI executor never streamed' });
    cli.killGroup();
    const killedAt = Date.now();
    figures.faults++;
    const doneRunning = await stack.chat.waitForDone(running.subtask_id, 60_000);
    const detectedMs = Date.now() - killedAt;
    const doneQueued = await stack.chat.waitForDone(queued.subtask_id, 60_000);
    assert.equal(doneRunning.status, 'failed');
    assert.equal(doneRunning.error?.code, ErrorCode.DEVICE_OFFLINE);
    assert.equal(doneQueued.status, 'failed');
    assert.equal(doneQueued.error?.code, ErrorCode.DEVICE_UNAVAILABLE);
    assert.ok(detectedMs <= TTL_MS + 3000, `failed ${detectedMs} ms after the kill (TTL ${TTL_MS} ms)`);
    const state = await redisState();
    assert.deepEqual(state[keys.deviceSlots(userHome(stack.user.userId), cli.deviceId)] ?? [], [], 'slots still held');
    assert.deepEqual(state[keys.deviceQueue(userHome(stack.user.userId), cli.deviceId)] ?? [], [], 'queue not emptied');
    const stuck = Object.entries(state).filter(([k, v]) => /^wg:\{[0-9a-f]{8}\}:subtask:[^:]+$/.test(k) && ['running', 'queued', 'pending'].includes(v.status));
    figures.stuckRunning = stuck.length;
    assert.deepEqual(stuck.map(([k]) => k), [], 'subtasks left running/queued forever');
    const devices = await api(stack.backend.url, 'GET', '/api/devices', { token: stack.user.token });
    const view = devices.body.devices.find((d: { device_id: string }) => d.device_id === cli.deviceId);
    assert.deepEqual({ status: view.status, slots_used: view.slots_used }, { status: 'offline', slots_used: 0 });
    assert.ok(cli.output().length > 0 && !cli.output().includes(stack.user.token), 'the executor logged its token (or nothing at all)');
    recordFigure('offline detection after executor SIGKILL', { ttlMs: TTL_MS, detectedMs });
    figures.tasks += 2;
  });
});
