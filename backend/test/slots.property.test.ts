// Property: whatever sequence of sends, completions and cancels a device sees, the tasks holding its
// slots are always the earliest-sent unfinished ones (FIFO), never more than max_slots, and every
// task ends exactly once. Runs the real backend and Redis scripts; fast-check picks the sequences.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startRedis, type TestRedis } from '../../test/support/redis';
import { startBackend, createUser, FAST_TIMING, type TestBackend, type TestUser } from '../../test/support/backend';
import { TestChat, TestDevice } from '../../test/support/clients';
import { waitFor } from '../../test/support/wait';

type Op = { kind: 'send' } | { kind: 'complete'; pick: number } | { kind: 'cancel'; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Op>({ kind: 'send' }) },
  { weight: 2, arbitrary: fc.nat(20).map<Op>((pick) => ({ kind: 'complete', pick })) },
  { weight: 1, arbitrary: fc.nat(20).map<Op>((pick) => ({ kind: 'cancel', pick })) },
);

describe('slots: FIFO and the slot limit under any sequence (property)', function () {
  this.timeout(240_000);
  let redis: TestRedis;
  let backend: TestBackend;
  let alice: TestUser;
  let chat: TestChat;
  let run = 0;

  before(async () => {
    redis = await startRedis();
    backend = await startBackend({ redisUrl: redis.url, env: FAST_TIMING });
    alice = await createUser(backend);
    chat = await TestChat.connect({ url: backend.url, token: alice.token });
  });
  after(async () => {
    chat?.close();
    await backend?.stop();
    await redis?.stop();
  });

  it('keeps the earliest unfinished sends in the slots, at most max_slots, each ending once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5 }), fc.array(opArb, { minLength: 1, maxLength: 18 }), async (maxSlots, ops) => {
        const device = await TestDevice.connect({ url: backend.url, token: alice.token, deviceId: `prop-${process.pid}-${++run}`, maxSlots });
        try {
          const outstanding: string[] = []; // unfinished, in send order
          const ended: string[] = [];
          const expectSlots = async () => {
            const want = outstanding.slice(0, maxSlots).sort();
            await waitFor(() => JSON.stringify([...device.running].sort()) === JSON.stringify(want), {
              timeout: 10_000,
              message: `device runs ${JSON.stringify([...device.running])}, expected ${JSON.stringify(want)}`,
            });
          };
          for (const op of ops) {
            if (op.kind === 'send') {
              const ack = await chat.sendOk({ device_id: device.deviceId, message: `m${outstanding.length}` });
              outstanding.push(ack.subtask_id);
            } else if (outstanding.length) {
              const id = outstanding[op.pick % outstanding.length];
              const isRunning = device.running.has(id);
              if (op.kind === 'complete') {
                if (!isRunning) continue; // only a running task can complete
                assert.deepEqual(await device.complete(id, { result: 'r' }), { ok: true });
              } else {
                assert.deepEqual(await chat.cancel(id), { ok: true });
                if (isRunning) {
                  await waitFor(() => device.cancels.some((c) => c.subtask_id === id));
                  await device.complete(id, { status: 'cancelled' });
                }
              }
              outstanding.splice(outstanding.indexOf(id), 1);
              ended.push(id);
              await chat.waitForDone(id);
            }
            await expectSlots();
          }
          // drain: finish everything in order; each task ends exactly once
          while (outstanding.length) {
            const id = outstanding[0];
            await waitFor(() => device.running.has(id), { timeout: 10_000 });
            await device.complete(id, { result: 'r' });
            outstanding.shift();
            ended.push(id);
            await chat.waitForDone(id);
          }
          for (const id of ended) assert.equal(chat.of('chat:done', (p) => p.subtask_id === id).length, 1);
          // executes reached the device in send order (resends aside)
          const firstSeen = device.executes.map((e) => e.subtask_id).filter((id, i, a) => a.indexOf(id) === i);
          const sentOrder = chat.starts().map((s) => s.subtask_id).filter((id) => firstSeen.includes(id));
          assert.deepEqual(firstSeen, sentOrder);
        } finally {
          device.close();
        }
      }),
      { numRuns: 25, endOnFailure: true },
    );
  });
});
