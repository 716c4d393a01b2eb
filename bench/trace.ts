// Where a dispatch's time goes, deterministically: one chat:send → task:execute → task:progress →
// chat:chunk → task:complete against a real backend, with Redis MONITOR recording every command
// the backend sends (Lua-internal calls are marked), plus the loopback Redis round trip measured
// from this process. The count of sequential round trips on a path is what separates it from the
// bare relay's single hop.   npx tsx bench/trace.ts
import { Redis } from 'ioredis';
import { performance } from 'node:perf_hooks';
import type { ChatChunk, TaskExecute } from '@wegent/shared';
import { startRedis } from '../test/support/redis';
import { createUser, startBackend } from '../test/support/backend';
import { TestDevice, connectSocket, request } from '../test/support/clients';
import { nextMatching } from './lib/load';
import { median, round } from './lib/stats';

interface Line {
  at: number;
  args: string[];
  lua: boolean;
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const backend = await startBackend({ redisUrl: redis.url, env: { LOG_LEVEL: 'warn' } });
  const probe = new Redis(redis.url);
  try {
    const user = await createUser(backend);
    const device = await TestDevice.connect({ url: backend.url, token: user.token, deviceId: 'trace-dev', heartbeat: false });
    const chat = await connectSocket(backend.url, '/chat', user.token);
    // Warm-up, so script loading and first-use costs stay out of the trace.
    for (let i = 0; i < 3; i++) await once(device, chat, `warm ${i}`);

    const rtts: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      await probe.ping();
      rtts.push(performance.now() - t);
    }
    const monitor = await probe.monitor();
    const lines: Line[] = [];
    monitor.on('monitor', (time: string, args: string[], source: string) => lines.push({ at: Number(time) * 1000, args, lua: source === 'lua' }));
    await new Promise((r) => setTimeout(r, 100));
    const marks = await once(device, chat, 'traced');
    await new Promise((r) => setTimeout(r, 300));
    monitor.disconnect();

    const t0 = lines.find((l) => !l.lua)?.at ?? 0;
    console.log(`Redis PING round trip from Node (ioredis, loopback): median ${round(median(rtts))} ms\n`);
    console.log('phase lengths seen by the client:', marks, '\n');
    console.log('  +ms    command (lua: called inside a script)');
    for (const l of lines) {
      if (l.args[0]?.toLowerCase().startsWith('xread') || l.args[0]?.toLowerCase() === 'monitor') continue;
      console.log(`${(l.at - t0).toFixed(2).padStart(7)}  ${l.lua ? '  lua: ' : ''}${l.args.map((a) => (a.length > 40 ? a.slice(0, 37) + '...' : a)).join(' ')}`);
    }
    const top = lines.filter((l) => !l.lua && !/^(xread|monitor)$/i.test(l.args[0] ?? ''));
    console.log(`\n${top.length} commands from the backend for one send → execute → progress → chunk → complete → done.`);
    device.close();
    chat.close();
  } finally {
    probe.disconnect();
    await backend.stop();
    await redis.stop();
  }
}

async function once(device: TestDevice, chat: Awaited<ReturnType<typeof connectSocket>>, message: string) {
  const executed = nextMatching<TaskExecute>(device.socket, 'task:execute', (e) => e.prompt === message);
  const t0 = performance.now();
  const ack = request(chat, 'chat:send', { device_id: device.deviceId, message });
  const { at: t1, payload } = await executed;
  await ack;
  const chunked = nextMatching<ChatChunk>(chat, 'chat:chunk', (c) => c.subtask_id === payload.subtask_id);
  const t2 = performance.now();
  await device.progress(payload.subtask_id, [{ type: 'text', text: 'x' }]);
  const { at: t3 } = await chunked;
  const done = nextMatching(chat, 'chat:done', (d: { subtask_id: string }) => d.subtask_id === payload.subtask_id);
  await device.complete(payload.subtask_id, { result: 'ok' });
  await done;
  return { send_to_execute_ms: round(t1 - t0), progress_to_chunk_ms: round(t3 - t2) };
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
