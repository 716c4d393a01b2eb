// Prometheus metrics (prom-client), one registry per app so several apps in one process (tests) do
// not collide. Gauges that mirror Redis state are computed when scraped.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Redis } from 'ioredis';
import { keys } from './store/keys';

export function createMetrics(redis: Redis) {
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
    offlineDetections: new Counter({ name: 'wegent_offline_detections_total', help: 'Devices whose online TTL lapsed (claimed by this node)', registers: [registry] }),
    authFailures: new Counter({ name: 'wegent_auth_failures_total', help: 'Refused tokens and logins', labelNames: ['code'] as const, registers: [registry] }),
    queueLength: new Gauge({
      name: 'wegent_queued_subtasks',
      help: 'Subtasks waiting for a slot, over all devices',
      registers: [registry],
      async collect() {
        const ids = await redis.smembers(keys.allDevices);
        if (!ids.length) return this.set(0);
        const p = redis.pipeline();
        for (const id of ids) p.llen(keys.deviceQueue(id));
        const res = (await p.exec()) ?? [];
        this.set(res.reduce((sum, [, n]) => sum + (Number(n) || 0), 0));
      },
    }),
    onlineDevices: new Gauge({
      name: 'wegent_online_devices',
      help: 'Devices with a live online key',
      registers: [registry],
      async collect() {
        this.set(await redis.zcard(keys.presenceDeadlines));
      },
    }),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
