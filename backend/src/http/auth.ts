// POST /api/auth/register, POST /api/auth/login, POST /api/auth/logout, GET /api/me. Sign-in attempts are rate limited per
// username+address (and overall per address) in Redis, so the limit holds across backend nodes;
// each attempt is counted before its password is checked, a success gives its point back.
import { Router } from '@koa/router';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { Credentials, ErrorCode, LoginRequest, WegentError, type LoginResponse } from '@wegent/shared';
import { toView } from '../accounts';
import type { Services } from '../services';
import { keys } from '../store/keys';
import { body, principal, requireAuth, type AppState } from './context';
import { RetryLaterError } from './errors';

/** The message and `Retry-After` name the same wait: when the limiter's window frees a point. */
function rateLimited(res: RateLimiterRes): RetryLaterError {
  const secs = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  return new RetryLaterError(ErrorCode.RATE_LIMITED, `Too many failed sign-in attempts; wait ${secs} s and try again.`, 429, secs);
}

export function authRoutes(svc: Services, onRevoked: (tokenId: string) => void): Router<AppState> {
  const router = new Router<AppState>();
  const perUser = new RateLimiterRedis({ storeClient: svc.redis, keyPrefix: `${keys.loginLimiterPrefix}:user`, points: svc.config.loginAttemptsPerMinute, duration: 60 });
  const perAddress = new RateLimiterRedis({ storeClient: svc.redis, keyPrefix: `${keys.loginLimiterPrefix}:ip`, points: svc.config.loginAttemptsPerMinute * 10, duration: 60 });

  router.post('/api/auth/register', async (ctx) => {
    if (!svc.config.allowSignup) throw new WegentError(ErrorCode.SIGNUP_DISABLED, 'Sign-up is disabled on this backend; ask its operator for an account.', 403);
    const { username, password } = body(ctx, Credentials);
    const user = await svc.accounts.createUser(username, password, 'user');
    ctx.status = 201;
    ctx.body = { user };
  });

  router.post('/api/auth/login', async (ctx) => {
    const { username, password } = body(ctx, LoginRequest);
    const userKey = `${ctx.ip}:${username.toLowerCase()}`;
    // Count the attempt before the password is hashed: the counters are incremented atomically in
    // Redis, so parallel guesses cannot all pass a check made before any of them was counted.
    try {
      await Promise.all([perUser.consume(userKey), perAddress.consume(ctx.ip)]);
    } catch (res) {
      if (res instanceof RateLimiterRes) throw rateLimited(res);
      throw res;
    }
    const user = await svc.accounts.checkCredentials(username, password);
    if (!user) {
      svc.metrics.authFailures.inc({ code: ErrorCode.AUTH_INVALID });
      throw new WegentError(ErrorCode.AUTH_INVALID, 'Wrong username or password.', 401);
    }
    // Only failures count: a successful sign-in clears the account's count and gives its point back.
    await Promise.all([perUser.delete(userKey), perAddress.reward(ctx.ip, 1)]);
    // At the token cap the oldest sign-in sessions make room (they are signed out everywhere).
    for (const id of await svc.accounts.makeRoomForSession(user.id, svc.config.limits.tokensPerUser)) onRevoked(id);
    const { token, info } = await svc.accounts.issueToken(user.id, 'login', 'login');
    const res: LoginResponse = { token, expires_at: info.expires_at, user: toView(user) };
    ctx.body = res;
  });

  // Signing out ends the session for good: the token used is revoked and its sockets closed.
  router.post('/api/auth/logout', requireAuth(svc), async (ctx) => {
    const { user, tokenId } = principal(ctx);
    await svc.accounts.revokeToken(user.id, tokenId);
    onRevoked(tokenId);
    ctx.status = 204;
  });

  router.get('/api/me', requireAuth(svc), async (ctx) => {
    ctx.body = { user: principal(ctx).user };
  });

  return router;
}
