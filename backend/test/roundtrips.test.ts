// Redis round trips per path, counted on the backend's command connection (test/support/redisTraffic.ts):
// a long conversation, a long queue or many devices must not cost more sequential round trips than a
// short one (no N+1 reads), and the hot paths stay at the counts docs/backend.md "Round trips" gives.
// Counts, not timings: they are the same on any machine.
import assert from 'node:assert/strict';
import { startRedis, type TestRedis } from '../../test/support/redis';
import { startBackend, createUser, type TestBackend, type TestUser } from '../../test/support/backend';
import { TestChat, TestDevice, api } from '../../test/support/clients';
import { redisIdle, watchRedis } from '../../test/support/redisTraffic';
import { waitFor } from '../../test/support/wait';
import type { TaskExecute } from '@wegent/shared';

describe('round trips: no path grows with the size of what it reads', function () {
  this.timeout(120_000);
  let redis: TestRedis;
  let backend: TestBackend;
  let alice: TestUser;
  let device: TestDevice;
  let chat: TestChat;
  const open: { close(): void }[] = [];

  /** Round trips from the start of `work` until it resolves. */
  async function roundTrips(work: () => Promise<unknown>): Promise<number> {
    await redisIdle(backend.app!.services.redis);
    const traffic = watchRedis(backend.app!.services.redis);
    try {
      await work();
    } finally {
      traffic.stop();
    }
    return traffic.roundTrips;
  }

  /** One finished turn (in `taskId`, or a new conversation); returns its conversation. */
  async function turn(taskId?: string): Promise<string> {
    const ok = await chat.sendOk({ device_id: device.deviceId, message: 'turn', ...(taskId ? { task_id: taskId } : {}) });
    await device.waitForExecute(ok.subtask_id);
    await device.complete(ok.subtask_id, { result: 'answer', session_id: 'sess-1' });
    await chat.waitForDone(ok.subtask_id);
    return ok.task_id;
  }

  before(async () => {
    redis = await startRedis();
    // In process: the test counts what the backend's own connection writes. No heartbeats, so
    // nothing but the path measured talks to Redis.
    backend = await startBackend({ redisUrl: redis.url, inProcess: true, env: { WEGENT_MAX_QUEUE_PER_DEVICE: '50' } });
    alice = await createUser(backend);
    device = await TestDevice.connect({ url: backend.url, token: alice.token, deviceId: 'rt-device', heartbeat: false, maxSlots: 1 });
    chat = await TestChat.connect({ url: backend.url, token: alice.token });
    open.push(device, chat);
    await turn(); // scripts loaded, first-use costs out of the counts
  });
  after(async () => {
    for (const c of open.splice(0)) c.close();
    await backend?.stop();
    await redis?.stop();
  });

  it('sends a follow-up after 20 turns in as many round trips as after 1, and carries their history', async () => {
    const followUp = async (earlier: number) => {
      const taskId = await turn();
      for (let i = 1; i < earlier; i++) await turn(taskId);
      let execute: TaskExecute | undefined;
      const count = await roundTrips(async () => {
        // Counted up to the moment the device has it (a poll would also count what follows its ack).
        const arrived = new Promise<TaskExecute>((resolve) => {
          const seen = (e: TaskExecute) => e.prompt === 'follow-up' && (device.socket.off('task:execute', seen), resolve(e));
          device.socket.on('task:execute', seen);
        });
        await chat.sendOk({ device_id: device.deviceId, message: 'follow-up', task_id: taskId });
        execute = await arrived;
      });
      const subtaskId = execute!.subtask_id;
      await device.complete(subtaskId, { result: 'ok' });
      await chat.waitForDone(subtaskId);
      return { count, execute: execute! };
    };
    const short = await followUp(1);
    const long = await followUp(20);
    assert.equal(long.execute.context?.history?.length, 40, 'every earlier prompt and answer');
    assert.equal(long.execute.context?.session_id, 'sess-1');
    assert.equal(short.execute.context?.history?.length, 2);
    assert.equal(long.count, short.count, `after 20 turns ${long.count} round trips, after 1 ${short.count}`);
    // In sequence: the send script with the turn list, then the earlier turns' records; the chat's
    // device:status read goes out while the task:execute travels, and is counted too.
    assert.ok(long.count <= 3, `${long.count} round trips from chat:send to task:execute`);
  });

  it('completes a task with 10 queued behind it in as many round trips as with 1', async () => {
    const completeWith = async (waiting: number) => {
      const head = await chat.sendOk({ device_id: device.deviceId, message: 'head' });
      await device.waitForExecute(head.subtask_id);
      const queued = [];
      for (let i = 0; i < waiting; i++) queued.push(await chat.sendOk({ device_id: device.deviceId, message: `queued ${i}` }));
      const count = await roundTrips(async () => {
        const ack = await device.complete(head.subtask_id, { result: 'ok' });
        assert.ok(ack.ok);
      });
      for (const q of queued) {
        await device.waitForExecute(q.subtask_id);
        await device.complete(q.subtask_id, { result: 'ok' });
        await chat.waitForDone(q.subtask_id);
      }
      return count;
    };
    const one = await completeWith(1);
    const ten = await completeWith(10);
    assert.equal(ten, one, `with 10 queued ${ten} round trips, with 1 ${one}`);
    // The finish script (slot handed on), the conversation's mirror; the route was cached.
    assert.ok(ten <= 3, `${ten} round trips from task:complete to its ack`);
  });

  it('counts a completion\'s usage in the same round trip as the conversation\'s touch', async () => {
    const complete = async (usage?: object) => {
      const sent = await chat.sendOk({ device_id: device.deviceId, message: 'priced' });
      await device.waitForExecute(sent.subtask_id);
      const count = await roundTrips(async () => assert.ok((await device.complete(sent.subtask_id, { result: 'ok', ...(usage ? { usage } : {}) })).ok));
      await chat.waitForDone(sent.subtask_id);
      return count;
    };
    const without = await complete();
    const withUsage = await complete({ input_tokens: 5, output_tokens: 6, total_cost_usd: 0.01 });
    assert.equal(withUsage, without, `with usage ${withUsage} round trips, without ${without}`);
  });

  it('answers GET /api/usage for 366 days in as many round trips as for 1 (every day read at once)', async () => {
    const day = new Date().toISOString().slice(0, 10);
    const yearBefore = new Date(Date.parse(`${day}T00:00:00Z`) - 365 * 86_400_000).toISOString().slice(0, 10);
    const ask = (from: string) => roundTrips(async () => assert.equal((await api(backend.url, 'GET', `/api/usage?from=${from}&to=${day}`, { token: alice.token })).status, 200));
    const one = await ask(day);
    const year = await ask(yearBefore);
    assert.equal(year, one, `366 days: ${year} round trips, 1 day: ${one}`);
    // The token check (its record, the user), then every day at once, then the names of the devices found.
    assert.ok(year <= 4, `${year} round trips for GET /api/usage`);
  });

  it("runs a new conversation's turn in three round trips and its completion in two, announcements included: nothing read back", async () => {
    let sub = '';
    const all = await roundTrips(async () => {
      sub = (await chat.sendOk({ device_id: device.deviceId, message: 'announced' })).subtask_id;
      await device.waitForExecute(sub);
      // The chat hears the turn running and the device's load; then nothing more is left to write.
      await chat.waitForEvent('chat:status', (p) => p.subtask_id === sub && p.status === 'running');
      await chat.waitForEvent('device:status', (p) => p.device_id === device.deviceId && p.slots_used === 1);
      await redisIdle(backend.app!.services.redis);
    });
    const done = await roundTrips(async () => {
      const from = chat.events.length;
      await device.complete(sub, { result: 'ok' });
      await chat.waitForDone(sub);
      await waitFor(() => chat.events.slice(from).some((e) => e.event === 'device:status'));
      await redisIdle(backend.app!.services.redis);
    });
    // The send script, the device's ack (markRunning), the conversation's touch.
    assert.equal(all, 3, `${all} round trips for a new conversation's turn and its announcements`);
    // The finish script (which answers the device's load), the conversation's touch with the usage.
    assert.equal(done, 2, `${done} round trips for its completion and its announcements`);
  });

  it('applies a later task:progress in one round trip: the rate limit is taken by the same script', async () => {
    const streaming = await chat.sendOk({ device_id: device.deviceId, message: 'streaming' });
    await device.waitForExecute(streaming.subtask_id);
    assert.ok((await device.text(streaming.subtask_id, 'first ')).ok); // its route cached, the subtask running
    const count = await roundTrips(async () => assert.ok((await device.text(streaming.subtask_id, 'second')).ok));
    await device.complete(streaming.subtask_id, { result: 'ok' });
    await chat.waitForDone(streaming.subtask_id);
    assert.equal(count, 1, `${count} round trips from task:progress to its ack`);
  });

  it('re-registers a known idle device in one round trip (a reconnect storm is thousands of these)', async () => {
    const count = await roundTrips(async () => assert.ok((await device.register()).ok));
    // The reregister script (record, presence, and what reconcile and the ack need) beside the
    // deadline in its presence bucket; the token was checked at connect.
    assert.equal(count, 1, `${count} round trips for device:register`);
  });

  it('answers a heartbeat of an idle device in one round trip', async () => {
    const count = await roundTrips(async () => assert.ok((await device.heartbeat()).ok));
    // The heartbeat script (with the conversations to forget) beside the deadline in its bucket.
    assert.equal(count, 1, `${count} round trips for one heartbeat`);
  });

  it('answers a heartbeat of a device running a task in 2 round trips', async () => {
    const busy = await chat.sendOk({ device_id: device.deviceId, message: 'busy' });
    await device.waitForExecute(busy.subtask_id);
    const count = await roundTrips(async () => assert.ok((await device.heartbeat()).ok));
    await device.complete(busy.subtask_id, { result: 'ok' });
    await chat.waitForDone(busy.subtask_id);
    // The heartbeat script, then the reported subtask's record with its undelivered permission answers.
    assert.equal(count, 2, `${count} round trips for one heartbeat`);
  });

  it('lists 30 conversations and 10 devices in as many round trips as 1 of each', async () => {
    const bob = await createUser(backend);
    const bobDevice = await TestDevice.connect({ url: backend.url, token: bob.token, deviceId: 'rt-bob-1', heartbeat: false });
    const bobChat = await TestChat.connect({ url: backend.url, token: bob.token });
    open.push(bobDevice, bobChat);
    const bobTurn = async () => {
      const ok = await bobChat.sendOk({ device_id: bobDevice.deviceId, message: 'hi' });
      await bobDevice.waitForExecute(ok.subtask_id);
      await bobDevice.complete(ok.subtask_id, { result: 'ok' });
      await bobChat.waitForDone(ok.subtask_id);
    };
    const list = async (path: string, expected: number) => {
      let body: any;
      const count = await roundTrips(async () => {
        const r = await api(backend.url, 'GET', path, { token: bob.token });
        assert.equal(r.status, 200);
        body = r.body;
      });
      assert.equal((body.tasks ?? body.devices).length, expected);
      return count;
    };
    await bobTurn();
    const oneTask = await list('/api/tasks', 1);
    const oneDevice = await list('/api/devices', 1);
    for (let i = 1; i < 30; i++) await bobTurn();
    for (let i = 2; i <= 10; i++) open.push(await TestDevice.connect({ url: backend.url, token: bob.token, deviceId: `rt-bob-${i}`, heartbeat: false }));
    assert.equal(await list('/api/tasks', 30), oneTask);
    assert.equal(await list('/api/devices', 10), oneDevice);
  });
});
