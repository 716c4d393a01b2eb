// Scenario 2, stream throughput: S concurrent streams, each a device sending task:progress the way
// the executor's outbox does (one message in flight per subtask, `batch` events per message) to
// its owner's chat client, for `durationMs`. Persistence is on (every seq is stored in Redis).
// Reported: events/s received by the chat clients, and the server processes' CPU and RSS.
// Devices and chats may sit on different backend nodes (`urls`): stream i's device connects to
// urls[i % n] and its chat to urls[floor(i / n) % n], so a mix of same-node and cross-node pairs.
import type { Socket } from 'socket.io-client';
import type { TaskEvent, TaskExecute } from '@wegent/shared';
import { TestDevice, connectSocket, request } from '../../test/support/clients';
import { closeAll, connectMany, connectRelay, nextMatching, now } from '../lib/load';
import { backendStats, relayStats, type ProcStats } from '../lib/procs';
import { round } from '../lib/stats';

export interface StreamParams {
  target: 'backend' | 'relay';
  urls: string[];
  /** Backend only: one token per stream (each stream is its own user, watching its own chat). */
  tokens?: string[];
  streams: number;
  durationMs: number;
  batch: number;
  runId: string;
}

export interface StreamResult {
  streams: number;
  nodes: number;
  eventsPerSecond: number;
  events: number;
  seconds: number;
  /** Server CPU over the window, in cores (1.0 = one core busy), summed over nodes. */
  cpuCores: number;
  rssMb: number;
}

function events(batch: number, seq: number): TaskEvent[] {
  return Array.from({ length: batch }, (_, k) => ({ type: 'text' as const, text: `token ${seq}.${k} of a streamed answer ` }));
}

interface Pair {
  /** Sends one progress message (seq) and resolves on its ack. */
  send(seq: number): Promise<void>;
  received(): number;
  close(): void;
}

export async function stream(p: StreamParams): Promise<StreamResult> {
  const n = p.urls.length;
  const deviceUrl = (i: number) => p.urls[i % n];
  const chatUrl = (i: number) => p.urls[Math.floor(i / n) % n];
  const pairs = await connectMany(p.streams, 10, (i) => (p.target === 'backend' ? backendPair(p, i, deviceUrl(i), chatUrl(i)) : relayPair(p, i, deviceUrl(i), chatUrl(i))));
  const stats = (url: string) => (p.target === 'backend' ? backendStats(url) : relayStats(url));
  const before: ProcStats[] = await Promise.all(p.urls.map(stats));
  const t0 = now();
  const end = t0 + p.durationMs;
  let sent = 0;
  await Promise.all(
    pairs.map(async (pair) => {
      for (let seq = 1; now() < end; seq++) {
        await pair.send(seq);
        sent += p.batch;
      }
    }),
  );
  // Everything sent must arrive: wait (bounded) for the chats to catch up, then stop the clock.
  const drainDeadline = now() + 30_000;
  const total = () => pairs.reduce((s, x) => s + x.received(), 0);
  while (total() < sent && now() < drainDeadline) await new Promise((r) => setTimeout(r, 2));
  const t1 = now();
  const after: ProcStats[] = await Promise.all(p.urls.map(stats));
  const received = total();
  for (const pair of pairs) pair.close();
  if (received < sent) throw new Error(`only ${received} of ${sent} streamed events reached the chats`);
  const seconds = (t1 - t0) / 1000;
  const cpu = after.reduce((s, a, i) => s + (a.cpuSeconds - before[i].cpuSeconds), 0);
  return {
    streams: p.streams,
    nodes: n,
    eventsPerSecond: Math.round(received / seconds),
    events: received,
    seconds: round(seconds, 2),
    cpuCores: round(cpu / seconds, 2),
    rssMb: round(after.reduce((s, a) => s + a.rssBytes, 0) / 2 ** 20, 1),
  };
}

async function backendPair(p: StreamParams, i: number, deviceUrl: string, chatUrl: string): Promise<Pair> {
  const token = p.tokens![i];
  const device = await TestDevice.connect({ url: deviceUrl, token, deviceId: `bench-${p.runId}-s${p.streams}-${i}`, name: `Bench stream ${i}` });
  const chat = await connectSocket(chatUrl, '/chat', token);
  let received = 0;
  chat.on('chat:chunk', (c: { events: unknown[] }) => (received += c.events.length));
  const marker = `stream ${p.runId} ${p.streams} #${i}`;
  const executed = nextMatching<TaskExecute>(device.socket, 'task:execute', (e) => e.prompt === marker, 30_000);
  const ack = await request(chat, 'chat:send', { device_id: device.deviceId, message: marker });
  if (!ack.ok) throw new Error(`chat:send refused: ${ack.error.code} ${ack.error.message}`);
  const { payload: exec } = await executed;
  return {
    async send(seq) {
      const a = await device.progress(exec.subtask_id, events(p.batch, seq));
      if (!a.ok) throw new Error(`task:progress refused: ${a.error.code} ${a.error.message}`);
    },
    received: () => received,
    close() {
      void device.complete(exec.subtask_id, { result: 'done' }).catch(() => {});
      setTimeout(() => {
        chat.close();
        device.close();
      }, 500);
    },
  };
}

async function relayPair(p: StreamParams, i: number, deviceUrl: string, chatUrl: string): Promise<Pair> {
  const device: Socket = await connectRelay(deviceUrl, `sdev-${i}`);
  const chat: Socket = await connectRelay(chatUrl, `schat-${i}`);
  let received = 0;
  chat.on('relay', (c: { events: unknown[] }) => (received += c.events.length));
  const subtask = `sub-${i}`;
  return {
    async send(seq) {
      await device.timeout(15_000).emitWithAck('relay', { to: `schat-${i}`, subtask_id: subtask, seq, events: events(p.batch, seq) });
    },
    received: () => received,
    close: () => closeAll([device, chat]),
  };
}
