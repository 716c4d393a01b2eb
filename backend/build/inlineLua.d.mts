import type { Plugin } from 'esbuild';
/** esbuild plugin inlining backend/src/store/lua/*.lua into the bundle (see inlineLua.mjs). */
export function inlineLua(): Plugin;
