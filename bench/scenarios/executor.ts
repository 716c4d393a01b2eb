// Scenario 4, executor overhead. Both paths run the real Claude Agent SDK (and its Claude Code
// binary) against the scripted model server, alternating so drift hits both alike:
//   direct:   query() called → first SDK message, and → the iterator's end (one turn)
//   executor: task:execute received by the executor core (its `task:start`, emitted as it acks)
//             → first SDK message (its first `task:event`: the SDK's init), and → `task:end`;
//             the task is sent by a chat client through the real backend.
// Overhead = executor median − direct median, as a share of the direct turn.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectSocket, request } from '../../test/support/clients';
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

export interface ExecutorResult {
  turns: number;
  direct: { firstMs: number[]; turnMs: number[] };
  executor: { firstMs: number[]; turnMs: number[] };
  medians: { directFirst: number; directTurn: number; executorFirst: number; executorTurn: number };
  /** (executor − direct) time to the first SDK message, % of a direct turn. */
  firstOverheadPct: number;
  /** (executor − direct) whole turn, % of a direct turn. */
  turnOverheadPct: number;
}

const ANSWER = 'The answer streams back in a few pieces, like a short real reply would.';

export async function executorOverhead(p: ExecutorParams): Promise<ExecutorResult> {
  const tmp = mkdtempSync(join(tmpdir(), 'wegent-bench-exec-'));
  const model = await startModelServer();
  model.fallback = reply(text(ANSWER), { chunks: 10 });
  const env = model.claudeEnv(join(tmp, 'claude-config'));
  const workspace = mkdtempSync(join(tmp, 'ws-'));
  const { query } = await import('@anthropic-ai/claude-agent-sdk');
  const executor = new Executor({ backendUrl: p.url, token: p.token, workspace, dataDir: join(tmp, 'data'), deviceId: `bench-${p.runId}-executor`, env, permissionMode: 'default' });
  await executor.start();
  const chat = await connectSocket(p.url, '/chat', p.token);
  const out: ExecutorResult['direct'] & { e: ExecutorResult['executor'] } = { firstMs: [], turnMs: [], e: { firstMs: [], turnMs: [] } };

  const direct = async () => {
    const t0 = now();
    let first = NaN;
    for await (const m of query({ prompt: 'Say something short.', options: { cwd: workspace, env: { ...process.env, ...env }, includePartialMessages: true, permissionMode: 'default' } })) {
      if (Number.isNaN(first)) first = now() - t0;
      void m; // drained to the end, as the executor does (the turn includes Claude Code exiting)
    }
    return { first, turn: now() - t0 };
  };

  const viaExecutor = async (i: number) => {
    let t0 = NaN;
    let first = NaN;
    const started = (info: { prompt: string }) => {
      if (info.prompt.includes(`#${i}`)) t0 = now();
    };
    const evented = () => {
      if (!Number.isNaN(t0) && Number.isNaN(first)) first = now() - t0;
    };
    executor.on('task:start', started);
    executor.on('task:event', evented);
    const ended = new Promise<number>((resolve) => executor.once('task:end', () => resolve(now())));
    try {
      const ack = await request(chat, 'chat:send', { device_id: `bench-${p.runId}-executor`, message: `Say something short. #${i}` });
      if (!ack.ok) throw new Error(`chat:send refused: ${ack.error.code} ${ack.error.message}`);
      const end = await ended;
      return { first, turn: end - t0 };
    } finally {
      executor.off('task:start', started);
      executor.off('task:event', evented);
    }
  };

  try {
    // One warm-up of each: the first SDK load and binary start are not what we compare.
    await direct();
    await viaExecutor(-1);
    for (let i = 0; i < p.turns; i++) {
      const d = await direct();
      const e = await viaExecutor(i);
      out.firstMs.push(round(d.first, 1));
      out.turnMs.push(round(d.turn, 1));
      out.e.firstMs.push(round(e.first, 1));
      out.e.turnMs.push(round(e.turn, 1));
    }
  } finally {
    chat.close();
    await executor.stop().catch(() => {});
    await model.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  const medians = { directFirst: median(out.firstMs), directTurn: median(out.turnMs), executorFirst: median(out.e.firstMs), executorTurn: median(out.e.turnMs) };
  return {
    turns: p.turns,
    direct: { firstMs: out.firstMs, turnMs: out.turnMs },
    executor: out.e,
    medians,
    firstOverheadPct: round((100 * (medians.executorFirst - medians.directFirst)) / medians.directTurn, 1),
    turnOverheadPct: round((100 * (medians.executorTurn - medians.directTurn)) / medians.directTurn, 1),
  };
}
