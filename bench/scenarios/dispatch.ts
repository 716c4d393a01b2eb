// Scenario 1, dispatch latency, measured in one load-generator process (one clock):
//   execute: chat:send emitted → task:execute received by the device
//   chunk:   device task:progress emitted → chat:chunk received by the chat client
// with N devices connected (and heartbeating at the backend's interval). Samples run one after
// another (unloaded latency): before each hop the generator pauses `QUIET_MS`, so a hop is not
// measured while the backend still finishes the previous one's bookkeeping (slot status, device
// status, conversation touch) — as in real use, where the first progress comes hundreds of ms
// after task:execute. Load is the stream scenario's business. The relay does the same two hops:
// chat → relay → device, device → relay → chat, with the same acks and the same pauses.
import type { Socket } from 'socket.io-client';
import type { ChatChunk, TaskExecute } from '@wegent/shared';
import { TestDevice, connectSocket, request } from '../../test/support/clients';
import { closeAll, connectMany, connectRelay, nextMatching, now } from '../lib/load';
import { summarize, type Summary } from '../lib/stats';

export interface DispatchParams {
  target: 'backend' | 'relay';
  url: string;
  /** Backend only: the token of the user who owns every device. */
  token?: string;
  devices: number;
  samples: number;
  warmup: number;
  runId: string;
}

export interface DispatchResult {
  devices: number;
  execute: Summary;
  chunk: Summary;
  connectMs: number;
}

const QUIET_MS = 2;
const quiet = () => new Promise((r) => setTimeout(r, QUIET_MS));

const TEXT = [{ type: 'text' as const, text: 'a line of streamed model output, about this long' }];

export async function dispatch(p: DispatchParams): Promise<DispatchResult> {
  return p.target === 'backend' ? backendDispatch(p) : relayDispatch(p);
}

async function backendDispatch(p: DispatchParams): Promise<DispatchResult> {
  const t = now();
  const devices = await connectMany(p.devices, 50, (i) =>
    TestDevice.connect({ url: p.url, token: p.token!, deviceId: `bench-${p.runId}-d${p.devices}-${i}`, name: `Bench ${i}` }),
  );
  const chat = await connectSocket(p.url, '/chat', p.token!);
  const connectMs = now() - t;
  const execute: number[] = [];
  const chunk: number[] = [];
  try {
    for (let i = 0; i < p.warmup + p.samples; i++) {
      const device = devices[(i * 7919) % devices.length];
      const marker = `bench ${p.runId} ${p.devices} #${i}`;
      const executed = nextMatching<TaskExecute>(device.socket, 'task:execute', (e) => e.prompt === marker);
      await quiet();
      const t0 = now();
      const ack = request(chat, 'chat:send', { device_id: device.deviceId, message: marker });
      const { at: t1, payload: exec } = await executed;
      const sent = await ack;
      if (!sent.ok) throw new Error(`chat:send refused: ${sent.error.code} ${sent.error.message}`);
      const chunked = nextMatching<ChatChunk>(chat, 'chat:chunk', (c) => c.subtask_id === exec.subtask_id);
      await quiet();
      const t2 = now();
      const progress = device.progress(exec.subtask_id, TEXT);
      const { at: t3 } = await chunked;
      await progress;
      const done = nextMatching(chat, 'chat:done', (d: { subtask_id: string }) => d.subtask_id === exec.subtask_id);
      await device.complete(exec.subtask_id, { result: 'ok' });
      await done;
      if (i >= p.warmup) {
        execute.push(t1 - t0);
        chunk.push(t3 - t2);
      }
    }
  } finally {
    chat.close();
    closeAll(devices);
  }
  return { devices: p.devices, execute: summarize(execute), chunk: summarize(chunk), connectMs: Math.round(connectMs) };
}

async function relayDispatch(p: DispatchParams): Promise<DispatchResult> {
  const t = now();
  const devices = await connectMany(p.devices, 50, (i) => connectRelay(p.url, `dev-${i}`));
  const chat = await connectRelay(p.url, 'chat');
  const connectMs = now() - t;
  const execute: number[] = [];
  const chunk: number[] = [];
  const ack = (s: Socket, payload: object) => s.timeout(15_000).emitWithAck('relay', payload);
  try {
    for (let i = 0; i < p.warmup + p.samples; i++) {
      const index = (i * 7919) % devices.length;
      const device = devices[index];
      const marker = `bench ${p.runId} #${i}`;
      const executed = nextMatching<{ marker: string }>(device, 'relay', (e) => e.marker === marker);
      await quiet();
      const t0 = now();
      const sent = ack(chat, { to: `dev-${index}`, marker, prompt: marker });
      const { at: t1 } = await executed;
      await sent;
      const chunked = nextMatching<{ marker: string }>(chat, 'relay', (c) => c.marker === marker);
      await quiet();
      const t2 = now();
      const progress = ack(device, { to: 'chat', marker, seq: 1, events: TEXT });
      const { at: t3 } = await chunked;
      await progress;
      if (i >= p.warmup) {
        execute.push(t1 - t0);
        chunk.push(t3 - t2);
      }
    }
  } finally {
    chat.close();
    closeAll(devices);
  }
  return { devices: p.devices, execute: summarize(execute), chunk: summarize(chunk), connectMs: Math.round(connectMs) };
}
