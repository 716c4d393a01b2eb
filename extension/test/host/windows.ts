// Several executors on one machine (issue 15), for real: a wegent-executor on folder C, then VS Code
// windows on folders A and B at the same time (two code-servers sharing one HOME, as two windows
// share a machine), then folder A opened again. The suites (suite/windows.suite.ts) meet through
// the control server's key-value endpoint; this file only sets the stage.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { reply, text, toolUse, type ModelServer } from '../../../test/support/modelServer';
import { waitFor } from '../../../test/support/wait';
import { ENV, WHERE_FILE, WHERE_MARKERS } from '../vscode/scenario';
import { EXTENSION_DIR, SUITE_MODULE } from './build';
import type { CodeServerInstall } from './codeServer';
import { runExtensionTests } from './runExtensionTests';
import type { ControlServer } from './control';

export interface WindowsScenario {
  install: CodeServerInstall;
  browser: Browser;
  model: ModelServer;
  scratch: string;
  backendUrl: string;
  token: string;
  /** The environment every window gets (backend, tokens, control URL, model server, HOME). */
  env: Record<string, string>;
  control: ControlServer;
  /** Where screenshots go (.test-artifacts/vscode). */
  artifacts: string;
}

/** Returns the number of failed windows (0 = all passed). */
export async function runWindowsScenario(s: WindowsScenario): Promise<number> {
  const folders = { a: mkdtempSync(join(s.scratch, 'alpha-')), b: mkdtempSync(join(s.scratch, 'beta-')), c: mkdtempSync(join(s.scratch, 'gamma-')) };
  for (const k of ['a', 'b', 'c'] as const) {
    s.model.script(WHERE_MARKERS[k], reply(toolUse('Write', { file_path: WHERE_FILE, content: `${WHERE_MARKERS[k]}\n` })), reply(text(`Wrote ${WHERE_FILE} here.`)));
  }
  const cli = join(EXTENSION_DIR, 'dist', 'cli.js');
  const env = { ...s.env, [ENV.folders]: JSON.stringify(folders), [ENV.cli]: JSON.stringify({ node: process.execPath, cli }) };

  // The headless executor on the third folder, with the windows' HOME (so the same ~/.wegent-executor).
  let out = '';
  const executor = spawn(process.execPath, [cli, '--backend-url', s.backendUrl, '--workspace', folders.c, '--permission-mode', 'acceptEdits'], {
    env: { ...process.env, ...s.env, WEGENT_TOKEN: s.token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  executor.stdout.on('data', (d: Buffer) => (out += d));
  executor.stderr.on('data', (d: Buffer) => (out += d));
  try {
    await waitFor(() => {
      if (executor.exitCode !== null) throw new Error(`wegent-executor exited ${executor.exitCode}:\n${out}`);
      return /is online/.test(out);
    }, { timeout: 60_000, message: `wegent-executor on folder C online:\n${out}` });
    let pageA: Page | undefined;
    // Window A's suite asks for these once the three devices are online (docs/extension.md shows them).
    s.control.screenshot = async (name) => {
      const page = pageA!;
      const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      await frame.locator('.picker-trigger').click({ timeout: 60_000 });
      await waitFor(async () => (await frame.locator('.picker-row').count()) >= 3, { timeout: 60_000, message: 'three devices in the picker' });
      const path = join(s.artifacts, `${name}.png`);
      await page.screenshot({ path });
      await frame.locator('.picker-trigger').click();
      return path;
    };
    const run = (layout: string, workspace: string, tag: string) =>
      runExtensionTests({
        onPage: (page) => layout === 'window-a' && (pageA = page),
        install: s.install,
        browser: s.browser,
        extensionDir: EXTENSION_DIR,
        testsModule: SUITE_MODULE,
        workspace,
        env: { ...env, [ENV.layout]: layout },
        print: (line) => process.stdout.write(`[${tag}] ${line}\n`),
      });
    const [a, b] = await Promise.all([run('window-a', folders.a, 'window A'), run('window-b', folders.b, 'window B')]);
    console.log('\n== folder A opened again');
    const again = await run('window-a-again', folders.a, 'window A again');
    if (executor.exitCode !== null) {
      console.log(`the wegent-executor on folder C stopped (${executor.exitCode}) while the windows ran:\n${out}`);
      return 1 + [a, b, again].filter((c) => c !== 0).length;
    }
    return [a, b, again].filter((c) => c !== 0).length;
  } finally {
    s.control.screenshot = undefined;
    if (executor.exitCode === null) executor.kill('SIGKILL');
  }
}
