// The presence monitor: turns lapsed online deadlines into offline devices and failed tasks.
// It sleeps until the earliest deadline in the ZSET (never longer than the monitor period), so a
// device is declared offline when its TTL lapses, not up to a period later. Each lapse is claimed
// with a lease that only one backend node can win, and released once the device's tasks are failed:
// a node that dies or loses Redis in between leaves the lease to lapse, and the next pass (on any
// node) claims it again. So tasks are failed exactly once, and never left running.
// The deadlines are spread over PRESENCE_BUCKETS ZSETs (each its own slot on a Redis Cluster):
// a pass looks at all of them at once, each on its own clock.
import type { RedisClient } from './store/redis';
import type { Dispatcher } from './dispatch';
import type { Logger } from './log';
import type { Metrics } from './metrics';
import { keys, parsePresenceMember, PRESENCE_BUCKETS } from './store/keys';
import { claimLapse, lapsed, releaseLapse } from './store/scripts/presence';

/** A claim held longer than this is taken to have failed and is claimed again (at least 1 s). */
const leaseMs = (periodMs: number) => Math.max(1000, periodMs);

export class Monitor {
  private timer: NodeJS.Timeout | null = null;
  private wakeAt = Infinity;
  private running = false;
  private again = false;
  private stopped = true;
  /** No lapse is claimed before this (ms): after a backend (re)start every device gets one TTL to come back. */
  private notBefore = 0;

  constructor(
    private readonly redis: RedisClient,
    private readonly dispatcher: Dispatcher,
    private readonly periodMs: number,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    /** While this node was down, devices could not heartbeat to it; do not hold that against them. */
    private readonly startupGraceMs = 0,
  ) {}

  start(): void {
    this.stopped = false;
    this.notBefore = Date.now() + this.startupGraceMs;
    this.schedule(this.startupGraceMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** A deadline `inMs` from now exists (a device registered here): wake for it if that is sooner. */
  poke(inMs = 0): void {
    this.schedule(inMs);
  }

  private schedule(inMs: number): void {
    if (this.stopped) return;
    const at = Date.now() + Math.max(0, inMs);
    if (this.timer && at >= this.wakeAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.wakeAt = at;
    this.timer = setTimeout(() => void this.tick(), Math.max(0, inMs));
  }

  private async tick(): Promise<void> {
    this.timer = null;
    this.wakeAt = Infinity;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    let next = this.periodMs;
    const graceLeft = this.notBefore - Date.now();
    if (graceLeft > 0) {
      this.running = false;
      this.schedule(graceLeft);
      return;
    }
    try {
      const looks = await Promise.all(Array.from({ length: PRESENCE_BUCKETS }, (_, b) => lapsed(this.redis, b)));
      for (const member of looks.flatMap((l) => l.members)) {
        const at = parsePresenceMember(member);
        if (!at) continue;
        // The online key lives at the device's home, another slot than its deadline: looked at first.
        // A heartbeat landing just after this look is one landing just after the lapse: too late.
        if ((await this.redis.exists(keys.deviceOnline(at.home, at.deviceId))) === 1) continue;
        const lease = await claimLapse(this.redis, { ...at, leaseMs: leaseMs(this.periodMs) });
        if (lease === null) continue;
        this.log.info({ deviceId: at.deviceId }, 'device offline: online TTL lapsed');
        await this.dispatcher.failDevice(at.home, at.deviceId, 'offline');
        // Counted by the node whose claim ends it: once, even when a lapsed lease was taken over.
        if (await releaseLapse(this.redis, { ...at, lease })) this.metrics.offlineDetections.inc();
        await this.dispatcher.emitDeviceStatus(at.home, at.deviceId);
      }
      const waits = looks.map((l) => l.nextInMs).filter((w): w is number => w !== null);
      if (waits.length) {
        // +2 ms: Redis expires keys on the ms boundary; waking a hair later avoids a wasted pass.
        next = Math.min(this.periodMs, Math.max(5, Math.min(...waits) + 2));
      }
    } catch (err) {
      this.log.warn({ err }, 'monitor pass failed; retrying');
      next = Math.min(this.periodMs, 500);
    } finally {
      this.running = false;
    }
    if (this.again) {
      this.again = false;
      next = 0;
    }
    this.schedule(next);
  }
}
