// GET /healthz (200 when Redis answers, 503 otherwise) and GET /metrics (Prometheus text). The
// metrics say how many users, devices and tasks a backend has: only this machine may read them,
// unless WEGENT_METRICS_TOKEN is set, which then opens them to whoever presents it.
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { Router } from '@koa/router';
import { ErrorCode, WegentError } from '@wegent/shared';
import type { Services } from '../services';
import { storeHealth, type StoreHealth } from '../store/redis';
import { bearerToken, type AppState, type Ctx } from './context';

function isLoopback(address: string | undefined): boolean {
  if (!address || !isIP(address)) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4 === '::1' || /^127\./.test(v4);
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Throws unless the caller may read /metrics (see the file header). */
function assertMetricsAccess(ctx: Ctx, token: string | undefined): void {
  if (token === undefined) {
    if (isLoopback(ctx.req.socket.remoteAddress)) return;
    throw new WegentError(ErrorCode.FORBIDDEN, 'The metrics are served to this machine only. To scrape them from elsewhere, set WEGENT_METRICS_TOKEN and send it as "Authorization: Bearer <token>".', 403);
  }
  const given = bearerToken(ctx);
  if (!given) throw new WegentError(ErrorCode.AUTH_MISSING, 'The metrics need "Authorization: Bearer <WEGENT_METRICS_TOKEN>".', 401);
  // Compared as digests: constant time, whatever the lengths.
  if (!timingSafeEqual(digest(given), digest(token))) throw new WegentError(ErrorCode.AUTH_INVALID, 'That is not this backend\'s metrics token (WEGENT_METRICS_TOKEN).', 401);
}

export function healthRoutes(svc: Services, isShuttingDown: () => boolean): Router<AppState> {
  const router = new Router<AppState>();

  router.get('/healthz', async (ctx) => {
    const started = Date.now();
    // One Redis: it answers PING. A cluster: CLUSTER INFO says "ok" and every master answers.
    const health: StoreHealth = await Promise.race([
      storeHealth(svc.redis).catch((): StoreHealth => ({ ok: false })),
      new Promise<StoreHealth>((r) => setTimeout(() => r({ ok: false }), 1000)),
    ]);
    const ok = health.ok && !isShuttingDown();
    ctx.status = ok ? 200 : 503;
    ctx.body = {
      ok, redis: health.ok ? 'up' : 'down', ...(health.cluster ? { cluster: health.cluster } : {}),
      shutting_down: isShuttingDown(), latency_ms: Date.now() - started,
    };
  });

  router.get('/metrics', async (ctx) => {
    assertMetricsAccess(ctx, svc.config.metricsToken);
    ctx.set('Content-Type', svc.metrics.registry.contentType);
    ctx.body = await svc.metrics.registry.metrics();
  });

  return router;
}
