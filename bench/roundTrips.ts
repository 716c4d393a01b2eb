// What each backend path costs in Redis round trips and commands, counted on the backend's command
// connection (test/support/redisTraffic.ts) — deterministic, unlike timings. "critical" counts up to
// what the caller waits for (the ack, the task:execute, the chunk); "total" also the work that
// follows it (announcements, the conversation's mirror), up to 150 ms of Redis silence.
// The Socket.IO adapter's own connection (one XADD per emission) is not counted here.
//   npx tsx bench/roundTrips.ts
import { startRedis } from '../test/support/redis';
import { createUser, startBackend } from '../test/support/backend';
import { TestChat, TestDevice, api } from '../test/support/clients';
import { watchRedis, type RedisTraffic } from '../test/support/redisTraffic';
import { waitFor } from '../test/support/wait';
import { nextMatching } from './lib/load';

interface Row {
  path: string;
  critical: string;
  total: string;
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const backend = await startBackend({ redisUrl: redis.url, inProcess: true, env: { LOG_LEVEL: 'warn', WEGENT_MAX_QUEUE_PER_DEVICE: '50' } });
  const rows: Row[] = [];
  const open: { close(): void }[] = [];
  try {
    const user = await createUser(backend);
    const services = backend.app!.services;
    const device = await TestDevice.connect({ url: backend.url, token: user.token, deviceId: 'rt-dev', heartbeat: false, maxSlots: 1 });
    const chat = await TestChat.connect({ url: backend.url, token: user.token });
    open.push(device, chat);

    /** Runs `work`, marks the critical point when it resolves, then waits for Redis silence. */
    async function measure(path: string, work: () => Promise<unknown>): Promise<void> {
      await quiet();
      const t: RedisTraffic = watchRedis(services.redis);
      await work();
      const critical = { roundTrips: t.roundTrips, commands: t.commands };
      await quiet(t);
      const total = t.stop();
      if (process.env.RT_WRITES) console.log(path, JSON.stringify(t.writes.map((w) => summarize(w))));
      rows.push({ path, critical: `${critical.roundTrips} / ${critical.commands}`, total: `${total.roundTrips} / ${total.commands}` });
    }
    async function quiet(t?: RedisTraffic): Promise<void> {
      const probe = t ?? watchRedis(services.redis);
      let last = -1;
      let since = Date.now();
      await waitFor(() => {
        if (probe.roundTrips !== last) {
          last = probe.roundTrips;
          since = Date.now();
        }
        return Date.now() - since >= 150;
      }, { timeout: 10_000, interval: 10 });
      if (!t) probe.stop();
    }
    const executed = (id?: string) => device.waitForExecute(id);
    /** Resolves at the arrival of the next task:execute with this prompt (not at a later poll). */
    const arrives = (prompt: string) => nextMatching<{ subtask_id: string; prompt: string }>(device.socket, 'task:execute', (e) => e.prompt === prompt);
    /** One full turn, so the next measurement starts with the slot free. */
    async function turn(taskId?: string, message = 'turn'): Promise<string> {
      const ok = await chat.sendOk({ device_id: device.deviceId, message, ...(taskId ? { task_id: taskId } : {}) });
      await executed(ok.subtask_id);
      await device.complete(ok.subtask_id, { result: 'done', session_id: 'sess-1' });
      await chat.waitForDone(ok.subtask_id);
      return ok.task_id;
    }

    for (let i = 0; i < 2; i++) await turn(undefined, `warm ${i}`); // scripts loaded, first-use costs out

    let sub = '';
    await measure('chat:send, new conversation → task:execute', async () => {
      const arrived = arrives('new');
      await chat.sendOk({ device_id: device.deviceId, message: 'new' });
      sub = (await arrived).payload.subtask_id;
    });
    await measure('task:progress (first chunk) → ack', () => device.text(sub, 'hello'));
    await measure('task:progress (later chunk) → ack', () => device.text(sub, 'again'));
    await measure('task:complete, nothing queued → ack', () => device.complete(sub, { result: 'ok' }));

    for (const earlier of [1, 20]) {
      const taskId = await turn(undefined, 'first');
      for (let i = 1; i < earlier; i++) await turn(taskId, `turn ${i}`);
      await measure(`chat:send, follow-up after ${earlier} turn(s) → task:execute`, async () => {
        const arrived = arrives('follow-up');
        await chat.sendOk({ device_id: device.deviceId, message: 'follow-up', task_id: taskId });
        sub = (await arrived).payload.subtask_id;
      });
      await device.complete(sub, { result: 'ok' });
      await chat.waitForDone(sub);
    }

    for (const waiting of [1, 10]) {
      const head = await chat.sendOk({ device_id: device.deviceId, message: 'head' });
      await executed(head.subtask_id);
      const queued = [];
      for (let i = 0; i < waiting; i++) queued.push(await chat.sendOk({ device_id: device.deviceId, message: `queued ${i}` }));
      await measure(`task:complete, ${waiting} queued behind → ack`, () => device.complete(head.subtask_id, { result: 'ok' }));
      for (const q of queued) {
        await executed(q.subtask_id);
        await device.complete(q.subtask_id, { result: 'ok' });
      }
      await chat.waitForDone(queued[queued.length - 1].subtask_id);
    }

    await measure('device:heartbeat, idle device → ack', () => device.heartbeat());
    const busy = await chat.sendOk({ device_id: device.deviceId, message: 'busy' });
    await executed(busy.subtask_id);
    await measure('device:heartbeat, 1 running → ack', () => device.heartbeat());
    await measure('device:register (reconnect), 1 running → ack', () => device.register());
    await device.complete(busy.subtask_id, { result: 'ok' });
    await chat.waitForDone(busy.subtask_id);

    const conversations = (await api(backend.url, 'GET', '/api/tasks', { token: user.token })).body.tasks.length;
    await measure(`GET /api/tasks (${conversations} conversations)`, () => api(backend.url, 'GET', '/api/tasks', { token: user.token }));
    for (let i = 0; i < 9; i++) open.push(await TestDevice.connect({ url: backend.url, token: user.token, deviceId: `rt-more-${i}`, heartbeat: false }));
    await measure('GET /api/devices (10 devices)', () => api(backend.url, 'GET', '/api/devices', { token: user.token }));

    const width = Math.max(...rows.map((r) => r.path.length));
    console.log(`${'path'.padEnd(width)}  critical rt / cmds  total rt / cmds`);
    for (const r of rows) console.log(`${r.path.padEnd(width)}  ${r.critical.padStart(17)}  ${r.total.padStart(15)}`);
  } finally {
    for (const c of open) c.close();
    await backend.stop();
    await redis.stop();
  }
}

/** ["hgetall×20", "evalsha"] */
function summarize(names: string[]): string {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts].map(([n, c]) => (c > 1 ? `${n}×${c}` : n)).join(' ');
}

void (main() as Promise<void>).catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
