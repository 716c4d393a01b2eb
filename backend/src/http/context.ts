// Koa state shared by the HTTP routes, and the two helpers every route uses: bearer auth and body
// validation (INVALID_PAYLOAD naming the field).
import type { Context, Next } from 'koa';
import type { z } from 'zod';
import { WegentError, parsePayload, type ErrorCode } from '@wegent/shared';
import type { Principal } from '../accounts';
import type { Services } from '../services';

export interface AppState {
  principal?: Principal;
}

export type Ctx = Context & { state: AppState };

export function bearerToken(ctx: Context): string | undefined {
  const m = ctx.get('authorization').match(/^Bearer\s+(.+)$/i);
  return m?.[1]?.trim();
}

/** Middleware: 401 with AUTH_* unless a valid token is presented. */
export function requireAuth(svc: Services) {
  return async (ctx: Ctx, next: Next) => {
    try {
      ctx.state.principal = await svc.accounts.authenticate(bearerToken(ctx));
    } catch (err) {
      if (err instanceof WegentError) svc.metrics.authFailures.inc({ code: err.code });
      throw err;
    }
    await next();
  };
}

export function principal(ctx: Ctx): Principal {
  if (!ctx.state.principal) throw new Error('route used without requireAuth');
  return ctx.state.principal;
}

export function body<S extends z.ZodType>(ctx: Ctx, schema: S): z.infer<S> {
  const parsed = parsePayload(schema, ctx.request.body ?? {});
  if (!parsed.ok) throw new WegentError(parsed.error.code as ErrorCode, parsed.error.message, 400);
  return parsed.value;
}
