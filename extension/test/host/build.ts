// Builds what the VS Code tests load: the extension and webview bundles (the project's esbuild.mjs),
// the webview copy inside the extension, and the in-host mocha suite as one CommonJS module.
import * as esbuild from 'esbuild';
import { join } from 'node:path';
import { run } from './codeServer';

export const REPO = join(__dirname, '../../..');
export const EXTENSION_DIR = join(REPO, 'extension');
export const SUITE_MODULE = join(EXTENSION_DIR, 'dist/test/suite.js');

export async function buildForTests(): Promise<void> {
  await run(process.execPath, ['esbuild.mjs', '--only', 'extension,executor,webview'], { cwd: REPO });
  await run(process.execPath, [join(EXTENSION_DIR, 'scripts/copy-webview.mjs')], { cwd: REPO });
  await esbuild.build({
    entryPoints: [join(EXTENSION_DIR, 'test/vscode/suite/index.ts')],
    outfile: SUITE_MODULE,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    // vscode is the host's; mocha is required from node_modules at run time, as test-electron does.
    external: ['vscode', 'mocha', 'bufferutil', 'utf-8-validate', '@anthropic-ai/claude-agent-sdk'],
    logLevel: 'warning',
  });
}
