// GET /healthz (200 when Redis answers, 503 otherwise) and GET /metrics (Prometheus text).
import { Router } from '@koa/router';
import type { Services } from '../services';
import type { AppState } from './context';

export function healthRoutes(svc: Services, isShuttingDown: () => boolean): Router<AppState> {
  const router = new Router<AppState>();

  router.get('/healthz', async (ctx) => {
    const started = Date.now();
    const redisOk = await Promise.race([
      svc.redis.ping().then(() => true, () => false),
      new Promise<boolean>((r) => setTimeout(() => r(false), 1000)),
    ]);
    const ok = redisOk && !isShuttingDown();
    ctx.status = ok ? 200 : 503;
    ctx.body = { ok, redis: redisOk ? 'up' : 'down', shutting_down: isShuttingDown(), latency_ms: Date.now() - started };
  });

  router.get('/metrics', async (ctx) => {
    ctx.set('Content-Type', svc.metrics.registry.contentType);
    ctx.body = await svc.metrics.registry.metrics();
  });

  return router;
}
