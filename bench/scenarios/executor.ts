// Scenario 4, what a user waits for on the device. Every path runs the real Claude Agent SDK (and its
// Claude Code binary) against the scripted model server, alternating round by round so drift hits
// all alike:
//   direct new:      query() called → first SDK message / first text token; a new session
//   direct resumed:  query({ resume }) of that session, the same way (what a follow-up cost before)
//   ours new:        task:execute received by the executor core (its `task:start`) → first event from
//                    Claude Code (not the executor's own status lines) / first text, for a new conversation sent by a chat through the real backend
//                    (the executor's spare Claude Code takes it)
//   ours follow-up:  the same for the next message of that conversation (its process is still warm)
// The memory of the warm processes (guard + Claude Code, RSS from /proc) is read while they wait.
import { readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskEvent } from '@wegent/shared';
import { connectSocket, request } from '../../test/support/clients';
import { waitFor } from '../../test/support/wait';
import { reply, startModelServer, text } from '../../test/support/modelServer';
import { Executor } from '../../extension/src/executor/executor';
import { now } from '../lib/load';
import { median, round } from '../lib/stats';

export interface ExecutorParams {
  url: string;
  token: string;
  turns: number;
  runId: string;
}

type Path = 'directNew' | 'directResumed' | 'oursNew' | 'oursFollowUp';
export interface Samples { firstMs: number[]; textMs: number[]; turnMs: number[] }
export interface Figure { median: number; min: number; max: number }

export interface ExecutorResult {
  turns: number;
  samples: Record<Path, Samples>;
  /** Medians (min–max) of the time to the first SDK message / event. */
  first: Record<Path, Figure>;
  /** … to the first text token: what the user sees move. */
  text: Record<Path, Figure>;
  turn: Record<Path, Figure>;
  /** RSS of the executor's warm Claude Code processes: the spare alone, and spare + one live conversation. */
  warmRssMb: { spare: number; spareAndLive: number };
}

const ANSWER = 'The answer streams back in a few pieces, like a short real reply would.';
const figure = (xs: number[]): Figure => ({ median: round(median(xs), 1), min: round(Math.min(...xs), 1), max: round(Math.max(...xs), 1) });

export async function executorOverhead(p: ExecutorParams): Promise<ExecutorResult> {
  const tmp = mkdtempSync(join(tmpdir(), 'wegent-bench-exec-'));
  const model = await startModelServer();
  model.fallback = reply(text(ANSWER), { chunks: 10 });
  const env = model.claudeEnv(join(tmp, 'claude-config'));
  const workspace = mkdtempSync(join(tmp, 'ws-'));
  const { query } = await import('@anthropic-ai/claude-agent-sdk');
  const deviceId = `bench-${p.runId}-executor`;
  const executor = new Executor({ backendUrl: p.url, token: p.token, workspace, dataDir: join(tmp, 'data'), deviceId, env, permissionMode: 'default', isolation: 'none' });
  await executor.start();
  const chat = await connectSocket(p.url, '/chat', p.token);
  const samples = Object.fromEntries((['directNew', 'directResumed', 'oursNew', 'oursFollowUp'] as Path[]).map((k) => [k, { firstMs: [], textMs: [], turnMs: [] }])) as unknown as Record<Path, Samples>;

  const direct = async (resume?: string) => {
    const t0 = now();
    let first = NaN;
    let firstText = NaN;
    let sessionId = resume;
    for await (const m of query({ prompt: 'Say something short.', options: { cwd: workspace, env: { ...process.env, ...env }, includePartialMessages: true, permissionMode: 'default', resume } })) {
      if (Number.isNaN(first)) first = now() - t0;
      const e = (m as { event?: { type?: string; delta?: { type?: string } } }).event;
      if (Number.isNaN(firstText) && m.type === 'stream_event' && e?.type === 'content_block_delta' && e.delta?.type === 'text_delta') firstText = now() - t0;
      sessionId = m.session_id ?? sessionId;
    }
    return { first, text: firstText, turn: now() - t0, sessionId };
  };

  const viaExecutor = async (message: string, taskId?: string) => {
    let t0 = NaN;
    let first = NaN;
    let firstText = NaN;
    const started = (info: { prompt: string }) => {
      if (info.prompt.includes(message)) t0 = now();
    };
    const evented = ({ event }: { event: TaskEvent }) => {
      if (Number.isNaN(t0)) return;
      // The executor's own status lines (e.g. "Not isolated: …") are not Claude Code answering.
      if (Number.isNaN(first) && event.type !== 'status') first = now() - t0;
      if (Number.isNaN(firstText) && event.type === 'text') firstText = now() - t0;
    };
    executor.on('task:start', started);
    executor.on('task:event', evented);
    const ended = new Promise<number>((resolve) => executor.once('task:end', () => resolve(now())));
    try {
      const ack = await request(chat, 'chat:send', { device_id: deviceId, message, ...(taskId ? { task_id: taskId } : {}) });
      if (!ack.ok) throw new Error(`chat:send refused: ${ack.error.code} ${ack.error.message}`);
      const end = await ended;
      return { first, text: firstText, turn: end - t0, taskId: ack.task_id as string };
    } finally {
      executor.off('task:start', started);
      executor.off('task:event', evented);
    }
  };
  const spareReady = () => waitFor(() => executor.warmStats().spare === 'ready', { timeout: 120_000, message: 'the spare Claude Code never became ready' });
  const put = (k: Path, r: { first: number; text: number; turn: number }) => {
    samples[k].firstMs.push(round(r.first, 1));
    samples[k].textMs.push(round(r.text, 1));
    samples[k].turnMs.push(round(r.turn, 1));
  };

  let warmRssMb = { spare: NaN, spareAndLive: NaN };
  try {
    // One warm-up of each: the first SDK load and binary start are not what we compare.
    const warm = await direct();
    await direct(warm.sessionId);
    await spareReady();
    const w = await viaExecutor('Say something short. #warmup');
    await viaExecutor('And again. #warmup', w.taskId);
    for (let i = 0; i < p.turns; i++) {
      const d = await direct();
      put('directNew', d);
      put('directResumed', await direct(d.sessionId));
      await spareReady();
      if (i === 0) warmRssMb.spare = rssOfChildrenMb();
      const e = await viaExecutor(`Say something short. #${i}`);
      put('oursNew', e);
      put('oursFollowUp', await viaExecutor(`And again. #${i}`, e.taskId));
      if (i === 0) {
        await spareReady();
        warmRssMb = { ...warmRssMb, spareAndLive: rssOfChildrenMb() };
      }
    }
  } finally {
    chat.close();
    await executor.stop().catch(() => {});
    await model.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  const by = (f: (s: Samples) => number[]) => Object.fromEntries(Object.entries(samples).map(([k, s]) => [k, figure(f(s))])) as Record<Path, Figure>;
  return { turns: p.turns, samples, first: by((s) => s.firstMs), text: by((s) => s.textMs), turn: by((s) => s.turnMs), warmRssMb };
}

/** RSS of every process below this one (the executor's Claude Code processes and their guards), MB. */
function rssOfChildrenMb(): number {
  const parents = new Map<number, number>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      parents.set(Number(e), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone */
    }
  }
  const below: number[] = [];
  const walk = (pid: number) => {
    for (const [c, parent] of parents) if (parent === pid) below.push(c), walk(c);
  };
  walk(process.pid);
  let kb = 0;
  for (const pid of below) {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {
      /* gone */
    }
  }
  return round(kb / 1024, 0);
}
