// One real stack per test file: a private redis-server, the real backend (child process, short
// presence timings), the scripted model server, a user with a token and a chat client.
import assert from 'node:assert/strict';
import type { ChatChunk, TaskEvent } from '@wegent/shared';
import { startBackend, createUser, type TestBackend, type TestUser } from '../../../test/support/backend';
import { TestChat } from '../../../test/support/clients';
import { startRedis } from '../../../test/support/redis';
import { startModelServer, type ModelServer } from '../../../test/support/modelServer';
import { Executor } from '../../src/executor/executor';
import type { ExecutorOptions } from '../../src/executor/api';
import { removeTempDirs, silentLogger, tempDir } from './tmp';

/** Heartbeat 300 ms, online TTL 3 s, monitor 500 ms: fast, yet tolerant of a loaded 2-core machine. */
export const TEST_TIMING = { WEGENT_HEARTBEAT_INTERVAL_MS: '300', WEGENT_ONLINE_TTL_MS: '3000', WEGENT_MONITOR_INTERVAL_MS: '500' };

export interface Stack {
  backend: TestBackend;
  model: ModelServer;
  user: TestUser;
  chat: TestChat;
  claudeConfigDir: string;
  /** Starts an in-process executor for `user` (stopped by stop()). */
  executor(options?: Partial<ExecutorOptions>): Promise<Executor>;
  stop(): Promise<void>;
}

export async function startStack(timing: Record<string, string> = TEST_TIMING): Promise<Stack> {
  const redis = await startRedis();
  const backend = await startBackend({ redisUrl: redis.url, env: timing });
  const model = await startModelServer();
  const user = await createUser(backend);
  const chat = await TestChat.connect({ url: backend.url, token: user.token });
  const claudeConfigDir = tempDir('claude-config');
  const executors: Executor[] = [];
  return {
    backend,
    model,
    user,
    chat,
    claudeConfigDir,
    async executor(options = {}) {
      const executor = new Executor({
        backendUrl: backend.url,
        token: user.token,
        workspace: tempDir('ws'),
        dataDir: tempDir('data'),
        permissionMode: 'acceptEdits',
        env: model.claudeEnv(claudeConfigDir),
        logger: silentLogger,
        reconnectDelayMs: 100,
        reconnectDelayMaxMs: 1000,
        ackTimeoutMs: 5000,
        ...options,
      });
      executors.push(executor);
      await executor.start();
      return executor;
    },
    async stop() {
      await Promise.all(executors.map((e) => e.stop().catch(() => {})));
      chat.close();
      await model.close();
      await backend.stop();
      await redis.stop();
      removeTempDirs();
    },
  };
}

/** Every event of a subtask's chunks, in order. */
export const events = (chunks: ChatChunk[]): TaskEvent[] => chunks.flatMap((c) => c.events);

/** The seqs received for a subtask are exactly 1..n: each once, in order, none missing. */
export function assertSeqsInOrder(chunks: ChatChunk[]): void {
  assert.deepEqual(chunks.map((c) => c.seq), chunks.map((_, i) => i + 1));
}
