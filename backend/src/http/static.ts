// Serves the browser chat page at / from webview-ui/dist (built by `npm run build`) with a strict
// CSP. When the page is not built yet, a short plain page says how to build it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Context, Next } from 'koa';
import send from 'koa-send';

export const CHAT_PAGE_CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
  "connect-src 'self' ws: wss:", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'",
].join('; ');

export function staticPage(dir: string) {
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
    try {
      await send(ctx, path, { root: dir, index: 'index.html', hidden: false });
    } catch (err) {
      if ((err as { status?: number }).status === 404) return next();
      throw err;
    }
  };
}
