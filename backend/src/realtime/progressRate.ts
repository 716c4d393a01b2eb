// The task:progress rate of one device: points per second in Redis (rate-limiter-flexible), so the
// limit holds whichever node the device reaches. A call costs one point per started 64 KiB of its
// events, so both many small calls and a stream of large batches are bounded. A device past it gets
// RATE_LIMITED and resends the same seq a moment later (the executor's outbox does; nothing was
// applied). Once a device used up its second, further calls are refused from memory without Redis.
import type { RedisClient } from '../store/redis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { ErrorCode, WegentError, type TaskEvent } from '@wegent/shared';
import { PROGRESS_POINT_BYTES } from '../config';
import { keys } from '../store/keys';

export type ProgressRate = (deviceId: string, events: readonly TaskEvent[]) => Promise<void>;

export function progressRate(redis: RedisClient, pointsPerSecond: number): ProgressRate {
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: keys.progressLimiterPrefix,
    points: pointsPerSecond,
    duration: 1,
    inMemoryBlockOnConsumed: pointsPerSecond,
    inMemoryBlockDuration: 1,
  });
  return async (deviceId, events) => {
    const bytes = Buffer.byteLength(JSON.stringify(events));
    const cost = Math.min(pointsPerSecond, 1 + Math.floor(bytes / PROGRESS_POINT_BYTES));
    try {
      await limiter.consume(deviceId, cost);
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) throw res;
      const waitMs = Math.max(1, res.msBeforeNext);
      throw new WegentError(
        ErrorCode.RATE_LIMITED,
        `This device sent task:progress faster than ${pointsPerSecond} points per second (one per started ${PROGRESS_POINT_BYTES / 1024} KiB of events); nothing was applied. Resend the same seq in ${waitMs} ms.`,
        429,
      );
    }
  };
}
