// One error middleware: every failure leaves as {error:{code,message}} with a fitting status.
// Unexpected errors are logged and answered INTERNAL without internals in the body.
import type { Context, Next } from 'koa';
import { ErrorCode, WegentError } from '@wegent/shared';
import type { Logger } from '../log';
import { STORE_UNAVAILABLE_MESSAGE, isStoreUnavailable } from '../store/errors';

export function errorMiddleware(log: Logger) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        ctx.status = 404;
        ctx.body = { error: { code: ErrorCode.NOT_FOUND, message: `No route ${ctx.method} ${ctx.path.slice(0, 200)}.` } };
      } else if ((ctx.status === 405 || ctx.status === 501) && (ctx.body == null || typeof ctx.body === 'string')) {
        // The router's allowedMethods() answers in plain text; clients match on {error:{code}}.
        const allow = ctx.response.get('Allow');
        ctx.body = { error: { code: ErrorCode.NOT_FOUND, message: `No route ${ctx.method} ${ctx.path.slice(0, 200)}.${allow ? ` This path accepts ${allow}.` : ''}` } };
      }
    } catch (err) {
      if (err instanceof WegentError) {
        ctx.status = err.status;
        ctx.body = { error: err.toJSON() };
        if (err.code === ErrorCode.RATE_LIMITED) ctx.set('Retry-After', '60');
        return;
      }
      const status = (err as { status?: number }).status;
      if (status === 413) {
        ctx.status = 413;
        ctx.body = { error: { code: ErrorCode.PAYLOAD_TOO_LARGE, message: 'The request body is too large.' } };
      } else if (status && status >= 400 && status < 500) {
        ctx.status = status;
        ctx.body = { error: { code: ErrorCode.INVALID_PAYLOAD, message: 'The request body must be valid JSON.' } };
      } else if (isStoreUnavailable(err)) {
        log.warn({ err: (err as Error).message, path: ctx.path }, 'request failed: Redis unavailable');
        ctx.status = 503;
        ctx.set('Retry-After', '5');
        ctx.body = { error: { code: ErrorCode.UNAVAILABLE, message: STORE_UNAVAILABLE_MESSAGE } };
      } else {
        log.error({ err, path: ctx.path, method: ctx.method }, 'request failed');
        ctx.status = 500;
        ctx.body = { error: { code: ErrorCode.INTERNAL, message: 'The backend hit an internal error; it was logged. Try again.' } };
      }
    }
  };
}

/** Security headers for every response (the chat page's CSP is set by the static route). */
export async function securityHeaders(ctx: Context, next: Next) {
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
  ctx.set('Cache-Control', 'no-store');
  await next();
}
