// Scenario 8, reconnect storm: N devices connected and heartbeating (their phases spread over the
// backend's interval), one in `taskEvery` running a task that has streamed a seq. The bench
// restarts the backend (SIGTERM, start again on the same port: `ask` 'ready' → answer); every
// device reconnects by itself with the executor's policy (extension/src/executor/connection.ts:
// back-off from 1 s doubling to 10 s, ±50 % jitter, 20 s connect timeout; a device:register not
// answered or refused is sent again 1 s later; WebSocket straight away, as the executor connects) and
// re-registers with its running ids. Per round: when each device's re-registration was acked (wall clock, so several generators
// and the bench share one clock), register ack latency, heartbeat ack latency of beats sent from the
// backend's start until 3 s after the last device is back, and the tasks: each one reclaimed
// (not cancelled by the register ack) streams another seq and completes, and chat:resume must
// show it completed with both seqs. Several rounds on the same connected devices.
import { TestChat, TestDevice, type AnyAck } from '../../test/support/clients';
import { waitFor } from '../../test/support/wait';
import { closeAll, connectMany, now } from '../lib/load';
import { summarize, type Summary } from '../lib/stats';
import { ask } from '../lib/ask';
import { DEFAULT_RECONNECT_DELAY_MAX_MS } from '../../extension/src/executor/connection';

export interface StormParams {
  url: string;
  token: string;
  devices: number;
  /** One device in this many runs a task across each restart. */
  taskEvery: number;
  rounds: number;
  runId: string;
}

/** What the bench answers to 'ready': when it sent SIGTERM and when the new process listened (epoch ms). */
export interface StormRestart {
  downAt: number;
  upAt: number;
}

export interface StormRound {
  devices: number;
  /** Epoch ms of the last re-registration acked (NaN when some never came back). */
  lastOnlineAt: number;
  /** Devices that were not back within the deadline. */
  missing: number;
  register: Summary;
  heartbeat: Summary;
  /** Heartbeats sent by a re-registered device in the window that failed or were refused. */
  beatsFailed: number;
  /** Registrations refused or unanswered (retried after 1 s), by error code. */
  refusals: Record<string, number>;
  /** Re-registrations acked in each second after the new process listened ([0] = the first second). */
  perSecond: number[];
  /** Reconnection attempts each device needed (socket.io Manager), the last one the one that connected. */
  attempts: Summary;
  tasks: number;
  /** Tasks that could not be started before the restart (not counted in `tasks`). */
  unstarted: number;
  /** Tasks the register ack cancelled, or whose progress/complete was refused, or not completed. */
  lost: number;
}

const AFTER_MS = 3_000;
/** The executor's ack timeout (ConnectionOptions.ackTimeoutMs default). */
const REGISTER_ACK_MS = 10_000;
const BACK_WITHIN_MS = 60_000;
const TEXT = (t: string) => [{ type: 'text' as const, text: t }];

export async function storm(p: StormParams): Promise<StormRound[]> {
  const devices = await connectMany(p.devices, 50, (i) =>
    TestDevice.connect({ url: p.url, token: p.token, deviceId: `bench-${p.runId}-s${i}`, name: `Bench storm ${i}`, heartbeat: false }),
  );
  let attempts: number[] = [];
  for (const d of devices) {
    d.socket.io.on('reconnect', (attempt: number) => attempts.push(attempt));
    d.socket.io.reconnectionDelay(1_000).reconnectionDelayMax(DEFAULT_RECONNECT_DELAY_MAX_MS).randomizationFactor(0.5).timeout(20_000);
  }
  const chat = await TestChat.connect({ url: p.url, token: p.token });
  const intervalMs = Number((devices[0].registerAck as { heartbeat_interval_ms?: number }).heartbeat_interval_ms ?? 30_000);
  // Re-registrations as they are acked (TestDevice calls register() itself after a reconnect).
  // A refused or unanswered one is retried after 1 s while connected, as the executor does.
  let registeredAt = new Map<TestDevice, number>(devices.map((d) => [d, Date.now()]));
  let registerMs: number[] = [];
  let refusals: Record<string, number> = {};
  for (const d of devices) {
    const original = d.register.bind(d);
    d.register = async (extra) => {
      const t0 = now();
      const ack = await Promise.race([original(extra), new Promise<never>((_, no) => setTimeout(() => no(new Error('no ack')), REGISTER_ACK_MS))]).catch((): AnyAck => ({ ok: false, error: { code: 'NO_ACK', message: 'no ack in time' } }));
      if (ack.ok && !registeredAt.has(d)) {
        registeredAt.set(d, Date.now());
        registerMs.push(now() - t0);
      }
      if (!ack.ok) {
        refusals[ack.error.code] = (refusals[ack.error.code] ?? 0) + 1;
        setTimeout(() => d.connected && !registeredAt.has(d) && void d.register(), 1_000);
      }
      return ack;
    };
  }
  // Heartbeats at the backend's interval, phases spread; only a re-registered device's beats in the
  // window count (before that its socket is down or not registered yet).
  let window = { from: Infinity, to: Infinity };
  let beats: number[] = [];
  let beatsFailed = 0;
  const timers: NodeJS.Timeout[] = [];
  for (const d of devices) {
    const tick = async () => {
      if (!d.connected || !registeredAt.has(d)) return;
      const t0 = now();
      const at = Date.now();
      const ok = await d.heartbeat().then((a) => a.ok, () => false);
      if (at < window.from || at > window.to) return;
      if (ok) beats.push(now() - t0);
      else beatsFailed++;
    };
    timers.push(setTimeout(() => {
      void tick();
      timers.push(setInterval(() => void tick(), intervalMs));
    }, Math.random() * intervalMs));
  }
  const rounds: StormRound[] = [];
  try {
    for (let r = 0; r < p.rounds; r++) {
      // After a round that did not recover, the next one measures nothing more: stop.
      const calm = await waitFor(() => chat.socket.connected && registeredAt.size === devices.length, { timeout: BACK_WITHIN_MS }).then(() => true, () => false);
      if (!(await ask<boolean>({ phase: 'calm', round: r, calm }))) break;
      const runners = devices.filter((_, i) => i % p.taskEvery === 0);
      const started = await connectMany(runners.length, 20, async (k) => {
        const d = runners[k];
        try {
          const sent = await chat.sendOk({ device_id: d.deviceId, message: `storm ${p.runId} round ${r} #${k}` });
          await d.waitForExecute(sent.subtask_id, 30_000);
          const ack = await d.text(sent.subtask_id, 'before the restart; ');
          return ack.ok ? { d, subtaskId: sent.subtask_id } : null;
        } catch {
          return null;
        }
      });
      const tasks = started.filter((t): t is { d: TestDevice; subtaskId: string } => t !== null);
      registeredAt = new Map();
      registerMs = [];
      refusals = {};
      attempts = [];
      beats = [];
      beatsFailed = 0;
      window = { from: Infinity, to: Infinity };
      const restart = await ask<StormRestart>({ phase: 'ready', round: r });
      window = { from: restart.upAt, to: Infinity };
      const back = await waitFor(() => registeredAt.size === devices.length, { timeout: BACK_WITHIN_MS }).then(() => true, () => false);
      const lastOnlineAt = back ? Math.max(...registeredAt.values()) : NaN;
      window.to = (back ? lastOnlineAt : Date.now()) + AFTER_MS;
      await new Promise((res) => setTimeout(res, Math.max(0, window.to - Date.now())));
      window.to = -Infinity; // later acks do not count
      // Every task the devices reclaimed streams on and completes; the stored stream says so.
      const outcomes = await connectMany(tasks.length, 20, async (k) => {
        const { d, subtaskId } = tasks[k];
        if (!d.running.has(subtaskId)) return false; // cancelled by the register ack
        const more = await d.text(subtaskId, 'after the restart').catch(() => null);
        const done = more?.ok ? await d.complete(subtaskId, { result: 'storm' }).catch(() => null) : null;
        if (!done?.ok) return false;
        const resumed = await chat.resume(subtaskId, 0).catch(() => null);
        return resumed?.done?.status === 'completed' && resumed.chunks?.length === 2;
      });
      const perSecond: number[] = [];
      for (const at of registeredAt.values()) {
        const s = Math.max(0, Math.floor((at - restart.upAt) / 1000));
        for (let k = perSecond.length; k <= s; k++) perSecond.push(0);
        perSecond[s]++;
      }
      rounds.push({
        devices: devices.length,
        lastOnlineAt,
        perSecond,
        missing: devices.length - registeredAt.size,
        register: summarize(registerMs),
        heartbeat: summarize(beats),
        beatsFailed,
        refusals,
        attempts: summarize(attempts),
        tasks: tasks.length,
        unstarted: runners.length - tasks.length,
        lost: outcomes.filter((ok) => !ok).length,
      });
      process.stderr.write(`   storm round ${r}: ${devices.length} devices back ${back ? `${lastOnlineAt - restart.upAt} ms after listening` : `— ${devices.length - registeredAt.size} missing`}, hb p99 ${rounds[r].heartbeat.p99} ms (n ${beats.length}), ${rounds[r].lost}/${tasks.length} tasks lost, registrations sent again ${JSON.stringify(refusals)}, attempts p50 ${rounds[r].attempts.p50} max ${rounds[r].attempts.max}, per second after listening [${perSecond.join(' ')}]\n`);
    }
  } finally {
    for (const t of timers) clearTimeout(t);
    chat.socket.close();
    closeAll(devices);
  }
  return rounds;
}
