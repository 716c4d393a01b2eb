// Scenario 3, presence.
//  capacity: N idle devices heartbeating every `heartbeatMs` (phases spread evenly); N grows in
//    steps; at each step, after connecting, one heartbeat period is measured: heartbeat ack
//    latency p50/p99 and the server's RSS growth per connected device. Stops after the first step
//    whose p99 misses `p99LimitMs` (or loses acks). The relay answers `hb` the same way.
//  offline: K devices on a backend with a short online TTL stop heartbeating (transport dropped,
//    no goodbye) at random moments; error = (device:status "offline" at the chat − last heartbeat
//    ack) − TTL.
import type { Socket } from 'socket.io-client';
import { TestDevice, connectSocket } from '../../test/support/clients';
import { closeAll, connectMany, connectRelay, now } from '../lib/load';
import { backendStats, relayStats } from '../lib/procs';
import { round, summarize, type Summary } from '../lib/stats';
import { ask } from '../lib/ask';

export interface CapacityParams {
  target: 'backend' | 'relay';
  url: string;
  token?: string;
  steps: number[];
  heartbeatMs: number;
  p99LimitMs: number;
  runId: string;
  /** Several generators share the devices: step together (see `ask`), so no generator measures while another still connects. */
  coordinated?: boolean;
}

/** What a coordinated generator asks the bench between steps. */
export type CapacityQuestion = { phase: 'connected'; step: number } | { phase: 'measured'; step: number; p99: number; lost: number };

export interface CapacityStep {
  devices: number;
  ack: Summary;
  lost: number;
  connectSeconds: number;
  rssMb: number;
  kbPerDevice: number;
  /** Server CPU during the measured period, in cores. */
  cpuCores: number;
  /** Backend: its longest event-loop stall in the measured period (ms), to tell its stalls from the machine's. */
  loopLagMaxMs?: number;
}

export interface Beater {
  beat(): Promise<boolean>;
  close(): void;
}

export async function capacity(p: CapacityParams): Promise<{ baselineRssMb: number; steps: CapacityStep[] }> {
  const stats = () => (p.target === 'backend' ? backendStats(p.url) : relayStats(p.url));
  const rss0 = (await stats()).rssBytes;
  const beaters: Beater[] = [];
  const steps: CapacityStep[] = [];
  let samples: number[] = [];
  let lost = 0;
  const timers: NodeJS.Timeout[] = [];
  const schedule = (b: Beater) => {
    const tick = async () => {
      const t0 = now();
      const ok = await b.beat().catch(() => false);
      if (ok) samples.push(now() - t0);
      else lost++;
    };
    const first = setTimeout(() => {
      void tick();
      timers.push(setInterval(() => void tick(), p.heartbeatMs));
    }, Math.random() * p.heartbeatMs);
    timers.push(first);
  };
  try {
    for (const n of p.steps) {
      const t = now();
      const fresh = await connectMany(n - beaters.length, 100, (k) => connect(p, beaters.length + k));
      const connectSeconds = (now() - t) / 1000;
      for (const b of fresh) {
        beaters.push(b);
        schedule(b);
      }
      if (p.coordinated) await ask<void>({ phase: 'connected', step: steps.length } satisfies CapacityQuestion);
      // One full period after the connect burst: every device beats about once.
      await new Promise((r) => setTimeout(r, Math.min(2_000, p.heartbeatMs)));
      samples = [];
      lost = 0;
      const before = await stats();
      const w0 = now();
      await new Promise((r) => setTimeout(r, p.heartbeatMs));
      const after = await stats();
      const rss = after.rssBytes;
      const cpuCores = round((after.cpuSeconds - before.cpuSeconds) / ((now() - w0) / 1000), 2);
      const step: CapacityStep = {
        devices: n,
        ack: summarize(samples),
        lost,
        connectSeconds: round(connectSeconds, 1),
        rssMb: round(rss / 2 ** 20, 1),
        kbPerDevice: round((rss - rss0) / n / 1024, 1),
        cpuCores,
        loopLagMaxMs: after.loopLagMaxMs,
      };
      steps.push(step);
      process.stderr.write(`   presence ${p.target} ${n} devices: ack p99 ${step.ack.p99} ms, ${step.kbPerDevice} KB/device, server ${step.cpuCores} cores${step.loopLagMaxMs !== undefined ? `, loop stall max ${step.loopLagMaxMs} ms` : ''}, lost ${lost}\n`);
      const held = step.ack.p99 < p.p99LimitMs && lost === 0;
      // Coordinated: go on only if every generator held this step.
      const goOn = p.coordinated ? await ask<boolean>({ phase: 'measured', step: steps.length - 1, p99: step.ack.p99, lost } satisfies CapacityQuestion) : held;
      if (!goOn) break;
    }
  } finally {
    for (const t of timers) clearTimeout(t);
    closeAll(beaters);
  }
  return { baselineRssMb: round(rss0 / 2 ** 20, 1), steps };
}

/** One idle device: registered with the backend (no timer of its own), or a relay client. */
export async function connect(p: Pick<CapacityParams, 'target' | 'url' | 'token' | 'runId'>, i: number): Promise<Beater> {
  if (p.target === 'backend') {
    const d = await TestDevice.connect({ url: p.url, token: p.token!, deviceId: `bench-${p.runId}-p${i}`, name: `Bench idle ${i}`, heartbeat: false });
    return { beat: async () => (await d.heartbeat()).ok, close: () => d.close() };
  }
  const s: Socket = await connectRelay(p.url, `idle-${p.runId}-${i}`);
  const payload = { device_id: `idle-${i}`, running_task_ids: [] };
  return { beat: async () => ((await s.timeout(15_000).emitWithAck('hb', payload)) as { ok: boolean }).ok, close: () => s.close() };
}

export interface OfflineParams {
  url: string;
  token: string;
  devices: number;
  heartbeatMs: number;
  ttlMs: number;
  runId: string;
}

export interface OfflineResult {
  devices: number;
  ttlMs: number;
  /** Detection time minus TTL, ms, over the devices. */
  error: Summary & { min: number };
  missed: number;
}

export async function offline(p: OfflineParams): Promise<OfflineResult> {
  const chat = await connectSocket(p.url, '/chat', p.token);
  const offlineAt = new Map<string, number>();
  chat.on('device:status', (s: { device_id: string; status: string }) => {
    if (s.status === 'offline' && !offlineAt.has(s.device_id)) offlineAt.set(s.device_id, now());
  });
  const devices = await connectMany(p.devices, 20, (i) =>
    TestDevice.connect({ url: p.url, token: p.token, deviceId: `bench-${p.runId}-off${i}`, name: `Bench offline ${i}`, heartbeat: false }),
  );
  const lastAck = new Map<string, number>();
  const beating = new Set(devices);
  const inFlight = new Map<TestDevice, Promise<unknown>>();
  const loop = setInterval(() => {
    for (const d of beating) {
      const beat = d.heartbeat().then((a) => a.ok && lastAck.set(d.deviceId, now()));
      inFlight.set(d, beat.catch(() => {}));
    }
  }, p.heartbeatMs);
  try {
    await new Promise((r) => setTimeout(r, 2 * p.heartbeatMs));
    // Drop each device at a random moment within one TTL, so drops land at every phase of the monitor.
    await Promise.all(
      devices.map(
        (d) =>
          new Promise<void>((r) =>
            setTimeout(async () => {
              // Stop beating, let a beat already on the wire be acked (it refreshed the TTL), then drop:
              // so the last ack time is exactly the last refresh the backend saw.
              beating.delete(d);
              await inFlight.get(d);
              d.drop();
              r();
            }, Math.random() * p.ttlMs),
          ),
      ),
    );
    const deadline = now() + 3 * p.ttlMs + 10_000;
    while (offlineAt.size < devices.length && now() < deadline) await new Promise((r) => setTimeout(r, 20));
  } finally {
    clearInterval(loop);
    chat.close();
    closeAll(devices);
  }
  const errors = devices.filter((d) => offlineAt.has(d.deviceId) && lastAck.has(d.deviceId)).map((d) => offlineAt.get(d.deviceId)! - lastAck.get(d.deviceId)! - p.ttlMs);
  const s = summarize(errors);
  return { devices: p.devices, ttlMs: p.ttlMs, error: { ...s, min: round(Math.min(...errors)) }, missed: devices.length - errors.length };
}
