// Copies the chat webview bundle (webview-ui/dist: script, styles with codicons, fonts) into extension/dist/webview,
// so the extension (and its .vsix) is self-contained: the webview may only load files from there.
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const extensionDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = resolve(extensionDir, '../webview-ui/dist');
const target = join(extensionDir, 'dist/webview');

if (!existsSync(join(source, 'main.js'))) {
  console.error(`copy-webview: ${source}/main.js is missing; build the webview first (node esbuild.mjs --only webview).`);
  process.exit(1);
}
rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
// Source maps and the browser host's page stay out; what the bundle emitted (js, css, fonts) goes in.
for (const name of readdirSync(source)) {
  if (!name.endsWith('.map') && name !== 'index.html') cpSync(join(source, name), join(target, name), { recursive: true });
}
console.log(`copy-webview: ${readdirSync(target).join(', ')} → ${target}`);
