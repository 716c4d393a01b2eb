// Prometheus metrics (prom-client), one registry per app so several apps in one process (tests) do
// not collide. Gauges that mirror Redis state are computed when scraped.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { RedisClient } from './store/redis';
import { keys, PRESENCE_BUCKETS } from './store/keys';

/**
 * Subtasks waiting over all devices: only devices that queued something are counted (a scrape must
 * not cost a command per device), and those whose queue emptied leave the set. Removal is followed
 * by a second look, and senders add the device after their push, so a device that queues again
 * in between is never left out.
 */
async function queuedSubtasks(redis: RedisClient): Promise<number> {
  const entries = Object.entries(await redis.hgetall(keys.queuedDevices)); // device id → home
  const lengths = await Promise.all(entries.map(([id, home]) => redis.llen(keys.deviceQueue(home, id))));
  const empty = entries.filter((_, i) => lengths[i] === 0);
  if (empty.length) {
    await redis.hdel(keys.queuedDevices, ...empty.map(([id]) => id));
    const again = await Promise.all(empty.map(([id, home]) => redis.llen(keys.deviceQueue(home, id))));
    const back = empty.filter((_, i) => again[i] > 0);
    if (back.length) await redis.hset(keys.queuedDevices, Object.fromEntries(back));
  }
  return lengths.reduce((a, b) => a + b, 0);
}

export function createMetrics(redis: RedisClient) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'wegent_process_' });
  const m = {
    registry,
    deviceSockets: new Gauge({ name: 'wegent_device_sockets', help: 'Device sockets connected to this node', registers: [registry] }),
    chatSockets: new Gauge({ name: 'wegent_chat_sockets', help: 'Chat sockets connected to this node', registers: [registry] }),
    dispatches: new Counter({ name: 'wegent_dispatches_total', help: 'task:execute acknowledged by devices', registers: [registry] }),
    chatSends: new Counter({ name: 'wegent_chat_sends_total', help: 'chat:send accepted', labelNames: ['result'] as const, registers: [registry] }),
    progressEvents: new Counter({ name: 'wegent_progress_events_total', help: 'Streamed events applied', registers: [registry] }),
    completions: new Counter({ name: 'wegent_subtasks_finished_total', help: 'Subtasks reaching a final status', labelNames: ['status'] as const, registers: [registry] }),
    // Usage of finished replies that reported some (usage.ts); `pool` is "local" or "cloud", never a user or device.
    usageReplies: new Counter({ name: 'wegent_usage_replies_total', help: 'Finished replies whose device reported usage', labelNames: ['pool'] as const, registers: [registry] }),
    tokens: new Counter({ name: 'wegent_tokens_total', help: 'Model tokens reported by devices, by kind (input, output, cache_write, cache_read)', labelNames: ['kind', 'pool'] as const, registers: [registry] }),
    costUsd: new Counter({ name: 'wegent_cost_usd_total', help: 'Cost in US dollars reported by devices (as the Agent SDK computed it)', labelNames: ['pool'] as const, registers: [registry] }),
    offlineDetections: new Counter({ name: 'wegent_offline_detections_total', help: 'Devices whose online TTL lapsed (claimed by this node)', registers: [registry] }),
    authFailures: new Counter({ name: 'wegent_auth_failures_total', help: 'Refused tokens and logins', labelNames: ['code'] as const, registers: [registry] }),
    queueLength: new Gauge({
      name: 'wegent_queued_subtasks',
      help: 'Subtasks waiting for a slot, over all devices',
      registers: [registry],
      async collect() {
        // Only devices that queued something (a scrape must not cost a command per device).
        this.set(await queuedSubtasks(redis));
      },
    }),
    onlineDevices: new Gauge({
      name: 'wegent_online_devices',
      help: 'Devices with a live online key',
      registers: [registry],
      async collect() {
        const counts = await Promise.all(Array.from({ length: PRESENCE_BUCKETS }, (_, b) => redis.zcard(keys.presenceDeadlines(b))));
        this.set(counts.reduce((a, b) => a + b, 0));
      },
    }),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
