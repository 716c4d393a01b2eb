// The ioredis connection: one for commands, more on demand (pub/sub and the Socket.IO adapter
// need connections of their own because they block).
import { Redis } from 'ioredis';

export function connectRedis(url: string, name: string): Redis {
  return new Redis(url, {
    connectionName: `wegent-${name}`,
    // Keep retrying: Redis restarting under us is a state to ride out, not a crash.
    maxRetriesPerRequest: 3,
    retryStrategy: (attempt) => Math.min(50 * attempt, 1000),
    lazyConnect: false,
    // Commands issued in the same tick (many devices heartbeating, many streams) go out in one
    // write: the bench's profile showed socket writes as the backend's largest CPU cost.
    enableAutoPipelining: true,
  });
}

/** Resolves once the client answers PING, or rejects after `timeoutMs`. */
export async function waitReady(redis: Redis, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      await redis.ping();
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`Redis did not answer within ${timeoutMs} ms: ${(lastError as Error)?.message ?? 'no answer'}`);
}
