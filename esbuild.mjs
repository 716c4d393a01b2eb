// Builds every bundle of the project: backend, executor CLI, VS Code extension, chat webview.
// `node esbuild.mjs` builds once; `--watch` rebuilds on change; `--only NAME[,NAME]` limits it;
// `--production` minifies and drops source maps; `--quiet` prints only warnings and errors (npm start).
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { inlineLua } from './backend/build/inlineLua.mjs';

const args = process.argv.slice(2);
const watch = args.includes('--watch');
const production = args.includes('--production');
const logLevel = args.includes('--quiet') ? 'warning' : 'info';
const onlyArg = args.find((a, i) => args[i - 1] === '--only');
const only = onlyArg ? new Set(onlyArg.split(',')) : null;

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel,
  // Native or optional modules that must be resolved at run time, not bundled.
  external: ['bufferutil', 'utf-8-validate', 'pino-pretty'],
};

/**
 * The chat page beside its bundle: index.html for the browser host, and the codicon css + font
 * for hosts that link them separately (main.css already carries them bundled).
 */
function copyWebviewStatics() {
  const files = [
    ['webview-ui/index.html', 'webview-ui/dist/index.html'],
    ['node_modules/@vscode/codicons/dist/codicon.css', 'webview-ui/dist/codicon.css'],
    ['node_modules/@vscode/codicons/dist/codicon.ttf', 'webview-ui/dist/codicon.ttf'],
  ];
  return {
    name: 'copy-webview-statics',
    setup(build) {
      build.onEnd(() => {
        mkdirSync('webview-ui/dist', { recursive: true });
        for (const [from, to] of files) copyFileSync(from, to);
      });
    },
  };
}

/** Each target: name, whether its entry exists yet, and its esbuild options. */
const targets = [
  {
    name: 'backend',
    options: {
      ...node,
      entryPoints: { main: 'backend/src/main.ts', cli: 'backend/src/cli.ts' },
      outdir: 'backend/dist',
      // The Redis scripts (backend/src/store/lua/*.lua) travel inside the bundle.
      plugins: [inlineLua()],
    },
  },
  {
    name: 'executor',
    options: {
      ...node,
      entryPoints: { cli: 'extension/src/cli.ts' },
      outdir: 'extension/dist',
      banner: { js: '#!/usr/bin/env node' },
      // The Agent SDK ships a native Claude Code binary beside its ESM entry: load it at run time.
      external: [...node.external, '@anthropic-ai/claude-agent-sdk'],
    },
  },
  {
    name: 'extension',
    options: {
      ...node,
      entryPoints: { extension: 'extension/src/extension.ts' },
      outdir: 'extension/dist',
      external: [...node.external, 'vscode', '@anthropic-ai/claude-agent-sdk'],
    },
  },
  {
    name: 'webview',
    options: {
      bundle: true,
      platform: 'browser',
      target: 'es2022',
      format: 'iife',
      sourcemap: !production,
      minify: production,
      logLevel,
      // highlight: the syntax highlighter, loaded by the page only once a code block is shown (codeBlocks.ts).
      entryPoints: { main: 'webview-ui/src/main.tsx', highlight: 'webview-ui/src/highlight/entry.ts' },
      outdir: 'webview-ui/dist',
      jsx: 'automatic',
      jsxImportSource: 'preact',
      loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file' },
      // Stable asset names: hosts (the backend's static route, the VS Code webview) link them by name.
      assetNames: '[name]',
      plugins: [copyWebviewStatics()],
    },
  },
];

const selected = targets.filter((t) => (!only || only.has(t.name)) && Object.values(t.options.entryPoints).every(existsSync));

if (watch) {
  for (const t of selected) {
    const ctx = await esbuild.context(t.options);
    await ctx.watch();
  }
  console.log(`watching: ${selected.map((t) => t.name).join(', ')}`);
} else {
  await Promise.all(selected.map((t) => esbuild.build(t.options)));
}
