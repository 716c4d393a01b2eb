// The task:progress rate of one device: points per second in Redis, so the limit holds whichever
// node the device reaches. A call costs one point per started 64 KiB of its events, so both many
// small calls and a stream of large batches are bounded. The progress script takes the points
// itself (store/lua/progress-7.lua): the rate and the apply are one round trip. A call refused
// before that script (too large, or for a subtask this device does not run) takes its points by a
// script of its own. A device past its rate gets RATE_LIMITED and resends the same seq a moment
// later (the executor's outbox does; nothing was applied); until its second ends, further calls
// are refused from memory, without Redis.
import { ErrorCode, WegentError } from '@wegent/shared';
import { PROGRESS_POINT_BYTES } from '../config';
import type { RedisClient } from '../store/redis';
import { progressRate } from '../store/scripts/progress';

/** Devices held in the refused-from-memory map before expired entries are swept. */
const SWEEP_AT = 1_000;

export class ProgressRate {
  private readonly blocked = new Map<string, number>();

  constructor(private readonly redis: RedisClient, readonly points: number) {}

  /** The points of a call whose events serialize to `bytes`. */
  cost(bytes: number): number {
    return Math.min(this.points, 1 + Math.floor(bytes / PROGRESS_POINT_BYTES));
  }

  /** RATE_LIMITED while the device's second is used up (known on this node). */
  check(deviceId: string): void {
    const until = this.blocked.get(deviceId);
    if (until === undefined) return;
    if (until > Date.now()) throw this.refusal(until - Date.now());
    this.blocked.delete(deviceId);
  }

  /** Takes the points of a call refused before the progress script; RATE_LIMITED past the rate. */
  async take(home: string, deviceId: string, cost: number): Promise<void> {
    const waitMs = await progressRate(this.redis, { home, deviceId, cost, points: this.points });
    if (waitMs > 0) throw this.refused(deviceId, waitMs);
  }

  /** The progress script refused the call: remembered until the second ends. */
  refused(deviceId: string, waitMs: number): WegentError {
    if (this.blocked.size >= SWEEP_AT) {
      const now = Date.now();
      for (const [id, until] of this.blocked) if (until <= now) this.blocked.delete(id);
    }
    this.blocked.set(deviceId, Date.now() + waitMs);
    return this.refusal(waitMs);
  }

  private refusal(waitMs: number): WegentError {
    return new WegentError(
      ErrorCode.RATE_LIMITED,
      `This device sent task:progress faster than ${this.points} points per second (one per started ${PROGRESS_POINT_BYTES / 1024} KiB of events); nothing was applied. Resend the same seq in ${Math.max(1, Math.round(waitMs))} ms.`,
      429,
    );
  }
}
