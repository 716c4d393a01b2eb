// The page's bundle stays lean and CSP-clean: importing protocol values from the @wegent/shared
// root would pull in zod (the runtime schemas, ~400 KB) — webview code takes them from
// src/protocol.ts instead. This guards that, and that nothing in the bundle needs eval.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { REPO_ROOT } from '../../test/support/backend';

describe('webview bundle', function () {
  this.timeout(60_000);

  it('leaves zod out, needs no eval, and stays under 400 KB minified', async () => {
    const result = await esbuild.build({
      entryPoints: [join(REPO_ROOT, 'webview-ui/src/main.tsx')],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      jsx: 'automatic',
      jsxImportSource: 'preact',
      loader: { '.ttf': 'file' },
      assetNames: '[name]',
      outdir: join(REPO_ROOT, '.test-artifacts', 'bundle-check'),
      minify: true,
      metafile: true,
      write: false,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    const zod = inputs.filter((i) => i.includes('node_modules/zod/'));
    assert.equal(zod.length, 0, `zod is in the page bundle (${zod.length} files, e.g. ${zod[0]}): import protocol values from src/protocol.ts`);
    // The highlighter is a bundle of its own (dist/highlight.js), loaded with the first code block (codeBlocks.ts).
    assert.equal(inputs.filter((i) => i.includes('node_modules/highlight.js/')).length, 0, 'highlight.js is in main.js: load it lazily');
    const js = result.outputFiles.find((f) => f.path.endsWith('main.js'))!;
    assert.doesNotMatch(js.text, /\beval\(|new Function\(/, 'the bundle needs eval (the CSP forbids it)');
    assert.ok(js.contents.byteLength < 400_000, `main.js is ${js.contents.byteLength} bytes`);
  });
});
