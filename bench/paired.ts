// Paired A/B of the two hot paths between this tree and another checkout of the project, for a
// change whose effect is smaller than this machine's drift between runs (events/s of the same code
// moved 2× within an hour on 2026-12-04). Both backends run at once, each on its own Redis, and
// take turns in short blocks, so both see the same noise; the figures are medians of every sample:
//   progress ack: one device's task:progress (10 events) → its ack, one in flight (the outbox chain)
//   send → execute: chat:send emitted → task:execute received by the device
//   npx tsx bench/paired.ts /path/to/other/checkout [--rounds 12]
// The other checkout needs its own node_modules (npm ci); its backend is bundled from its source.
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { TaskEvent, TaskExecute } from '@wegent/shared';
import { startRedis } from '../test/support/redis';
import * as here from '../test/support/backend';
import { TestDevice, connectSocket, request } from '../test/support/clients';
import { BENCH_LIMITS } from './lib/limits';
import { nextMatching } from './lib/load';
import { median, round } from './lib/stats';

const args = process.argv.slice(2);
const roundsAt = args.indexOf('--rounds');
const rounds = roundsAt >= 0 ? Number(args[roundsAt + 1]) : 12;
const other = args.find((a, i) => !a.startsWith('--') && (roundsAt < 0 || i !== roundsAt + 1));
const PROGRESS_PER_BLOCK = 400;
const SENDS_PER_BLOCK = 40;
const EVENTS: TaskEvent[] = Array.from({ length: 10 }, (_, i) => ({ type: 'text', text: `token ${i} of a streamed answer, about forty bytes` }));

type BackendModule = typeof here;

async function side(mod: BackendModule, name: string) {
  const redis = await startRedis({ asEmbedded: true });
  const backend = await mod.startBackend({ redisUrl: redis.url, sourceMaps: false, env: { LOG_LEVEL: 'warn', ...BENCH_LIMITS } });
  const user = await mod.createUser(backend);
  const device = await TestDevice.connect({ url: backend.url, token: user.token, deviceId: `paired-${name}`, heartbeat: false });
  const chat = await connectSocket(backend.url, '/chat', user.token);
  let running = '';
  /** One new conversation: the time to its task:execute; the previous one completes (one slot in use). */
  const send = async (): Promise<number> => {
    const message = `paired ${performance.now()}`;
    const executed = nextMatching<TaskExecute>(device.socket, 'task:execute', (e) => e.prompt === message);
    const t0 = performance.now();
    void request(chat, 'chat:send', { device_id: device.deviceId, message });
    const { at, payload } = await executed;
    if (running) await device.complete(running, { result: 'ok' });
    running = payload.subtask_id;
    return at - t0;
  };
  await send();
  const samples = { progress: [] as number[], send: [] as number[] };
  return {
    name,
    samples,
    async block(keep: boolean): Promise<void> {
      for (let i = 0; i < PROGRESS_PER_BLOCK; i++) {
        const t = performance.now();
        await device.progress(running, EVENTS);
        if (keep) samples.progress.push(performance.now() - t);
      }
      for (let i = 0; i < SENDS_PER_BLOCK; i++) {
        const ms = await send();
        if (keep) samples.send.push(ms);
      }
    },
    async stop(): Promise<void> {
      device.close();
      chat.close();
      await backend.stop();
      await redis.stop();
    },
  };
}

async function main(): Promise<void> {
  if (!other) throw new Error('usage: npx tsx bench/paired.ts /path/to/other/checkout [--rounds 12]');
  const theirs = (await import(pathToFileURL(join(resolve(other), 'test/support/backend.ts')).href)) as BackendModule;
  const a = await side(theirs, 'other');
  const b = await side(here, 'this');
  try {
    // Round 0 warms both up; the order alternates so neither always runs second.
    for (let r = 0; r <= rounds; r++) for (const s of r % 2 ? [a, b] : [b, a]) await s.block(r > 0);
    console.log(`paired A/B, ${rounds} rounds of ${PROGRESS_PER_BLOCK} progress + ${SENDS_PER_BLOCK} sends each; medians in ms`);
    console.log('| tree | progress → ack p50 | send → execute p50 |');
    console.log('|---|---|---|');
    for (const s of [a, b]) console.log(`| ${s.name === 'other' ? resolve(other) : 'this tree'} | ${round(median(s.samples.progress))} | ${round(median(s.samples.send))} |`);
    const ratio = (k: 'progress' | 'send') => round(median(b.samples[k]) / median(a.samples[k]));
    console.log(`this ÷ other: progress ${ratio('progress')}×, send ${ratio('send')}×`);
  } finally {
    await a.stop();
    await b.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
