// `npm run test:vscode`: the extension tested in a real VS Code. Builds, starts the services, runs
// the mocha suite inside the extension host (Route A), then the UI test on the installed .vsix
// (Route B), and exits non-zero if anything failed. Without code-server it says how to install it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from './browser';
import { buildForTests, EXTENSION_DIR, SUITE_MODULE } from './build';
import { findCodeServer } from './codeServer';
import { runExtensionTests } from './runExtensionTests';

async function main(): Promise<number> {
  let install;
  try {
    install = findCodeServer();
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
  console.log('building the extension, webview and in-host suite…');
  await buildForTests();
  const workspace = mkdtempSync(join(tmpdir(), 'wegent-ws-'));
  const browser = await launchChromium();
  try {
    let failed = 0;
    if (!only || only === 'host') {
      console.log('\n== mocha suite inside the VS Code extension host');
      const code = await runExtensionTests({ install, browser, extensionDir: EXTENSION_DIR, testsModule: SUITE_MODULE, workspace });
      if (code !== 0) failed++;
    }
    return failed ? 1 : 0;
  } finally {
    await browser.close();
    rmSync(workspace, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
