// Serves the browser chat page at / from webview-ui/dist (built by `npm run build`) with a strict
// CSP. When the page is not built yet, a short plain page says how to build it. Source maps (the
// page's own source) are not served unless asked for (WEGENT_SERVE_SOURCE_MAPS=1, for debugging);
// a path that leaves the folder is answered like any missing page.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Context, Next } from 'koa';
import send from 'koa-send';
import { ErrorCode, WegentError } from '@wegent/shared';

export const CHAT_PAGE_CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
  "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'",
].join('; ');

// `connect-src 'self'` covers the page's own origin over ws:/wss: too (CSP Level 3); any other host,
// over HTTP or WebSocket, is refused.

export function staticPage(dir: string, opts: { serveSourceMaps: boolean }) {
  return async (ctx: Context, next: Next) => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || ctx.path.startsWith('/api/') || ctx.path.startsWith('/socket.io')) return next();
    ctx.set('Content-Security-Policy', CHAT_PAGE_CSP);
    if (!existsSync(join(dir, 'index.html'))) {
      if (ctx.path !== '/') return next();
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = 'The Wegent chat page is not built yet: build the webview with npm run build, then reload.\n';
      return;
    }
    const path = ctx.path === '/' ? '/index.html' : ctx.path;
    if (!opts.serveSourceMaps && path.toLowerCase().endsWith('.map')) return next();
    try {
      decodeURIComponent(path);
    } catch {
      throw new WegentError(ErrorCode.INVALID_PAYLOAD, 'The URL path is not valid percent-encoding.', 400);
    }
    try {
      await send(ctx, path, { root: dir, index: 'index.html', hidden: false });
    } catch (err) {
      // 404: no such file; 400/403: a path outside the folder or with a NUL byte — not a page either.
      if ([400, 403, 404].includes((err as { status?: number }).status ?? 0)) return next();
      throw err;
    }
  };
}
