// One error middleware: every failure leaves as {error:{code,message}} with a fitting status.
// Unexpected errors are logged and answered INTERNAL without internals in the body.
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Context, Next } from 'koa';
import { ErrorCode, WegentError } from '@wegent/shared';
import type { Logger } from '../log';
import { STORE_UNAVAILABLE_MESSAGE, isStoreUnavailable } from '../store/errors';

/** A refusal that tells the client when to come back: answered with `Retry-After` (seconds). */
export class RetryLaterError extends WegentError {
  constructor(code: ErrorCode, message: string, status: number, readonly retryAfterS: number) {
    super(code, message, status);
  }
}

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
        if (err instanceof RetryLaterError) ctx.set('Retry-After', String(err.retryAfterS));
        return;
      }
      const status = (err as { status?: number }).status;
      if (status && status >= 400 && status < 500) {
        // A library's refusal (the body parser's are answered in bodyError): say what it was.
        ctx.status = status;
        ctx.body = { error: { code: ErrorCode.INVALID_PAYLOAD, message: `The request was refused (${status} ${STATUS_CODES[status] ?? 'Client Error'}).` } };
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

/** The body parser's `onError`: its refusals become protocol errors where they happen. */
export function bodyError(err: unknown): never {
  if ((err as { status?: number }).status === 413) throw new WegentError(ErrorCode.PAYLOAD_TOO_LARGE, 'The request body is too large.', 413);
  throw new WegentError(ErrorCode.INVALID_PAYLOAD, 'The request body must be valid JSON.', 400);
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

/**
 * Node's `clientError`: requests too malformed to reach Koa (headers past the size limit, bad
 * framing, a header timeout). Node's default answer has an empty body; clients match on
 * {error:{code,message}}, so answer in that shape and close, as the default does.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const error = status === 431
    ? { code: ErrorCode.PAYLOAD_TOO_LARGE, message: 'The request headers are too large (the URL or a header is too long).' }
    : status === 408
      ? { code: ErrorCode.INVALID_PAYLOAD, message: 'The request took too long to arrive.' }
      : { code: ErrorCode.INVALID_PAYLOAD, message: 'The request is not valid HTTP.' };
  const body = JSON.stringify({ error });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
