// API tokens: create (7-day JWT), list (never the token itself), revoke (connections using it are
// expelled on every node through the Socket.IO adapter).
import { Router } from '@koa/router';
import { ErrorCode, TokenCreate, WegentError, type TokenCreated } from '@wegent/shared';
import type { Services } from '../services';
import { body, principal, requireAuth, type AppState } from './context';

export function tokenRoutes(svc: Services, onRevoked: (tokenId: string) => void, devicesUsing: (tokenId: string) => Promise<string[]>): Router<AppState> {
  const router = new Router<AppState>();
  router.use('/api/tokens', requireAuth(svc));

  router.post('/api/tokens', async (ctx) => {
    const { name } = body(ctx, TokenCreate);
    await svc.accounts.checkTokenRoom(principal(ctx).user.id, svc.config.limits.tokensPerUser);
    const { token, info } = await svc.accounts.issueToken(principal(ctx).user.id, name ?? '', 'api');
    const res: TokenCreated = { token, id: info.id, name: info.name, expires_at: info.expires_at };
    ctx.status = 201;
    ctx.body = res;
  });

  router.get('/api/tokens', async (ctx) => {
    const userId = principal(ctx).user.id;
    const [tokens, devices] = await Promise.all([svc.accounts.listTokens(userId), svc.devices.list(userId)]);
    const names = new Map(devices.map((d) => [d.device_id, d.name]));
    // Each token with the caller's devices connected with it now: revoking it disconnects them.
    const withDevices = await Promise.all(tokens.map(async (t) => ({
      ...t,
      devices: (await devicesUsing(t.id)).filter((id) => names.has(id)).map((id) => ({ device_id: id, name: names.get(id)! })),
    })));
    ctx.body = { tokens: withDevices };
  });

  router.delete('/api/tokens/:id', async (ctx) => {
    const id = ctx.params.id;
    if (!(await svc.accounts.revokeToken(principal(ctx).user.id, id))) {
      throw new WegentError(ErrorCode.NOT_FOUND, `No token "${id.slice(0, 140)}" in your account.`, 404);
    }
    onRevoked(id);
    svc.log.info({ tokenId: id, userId: principal(ctx).user.id }, 'token revoked');
    ctx.status = 204;
  });

  return router;
}
