// Route A: runs a mocha suite INSIDE a real VS Code extension host (what @vscode/test-electron does on
// a desktop, here through code-server + headless Chromium). The workbench only honours the
// development payload (extensionDevelopmentPath / extensionTestsPath) when code-server was started
// with `--vscode-option enable-smoke-test-driver`; the test module's run() result comes back through
// `codeAutomationExit`, its console output through `codeAutomationLog`.
import type { Browser, Page } from 'playwright-core';
import { format } from 'node:util';
import { startCodeServer, type CodeServerInstall } from './codeServer';

/** Workbench console lines that are expected on an offline machine. */
const NOISE = /Creation of workbench contribution|open-vsx\.org|authentication provider|AccountPolicyGate|AgentHost|Service Worker|reconnection-grace-time|Creating a socket|connection token|builtin extensions cache|\[lifecycle\]|Canceled: Canceled|^\s+at /;
const verbose = Boolean(process.env.WEGENT_TEST_VERBOSE);

export interface ExtensionTestRun {
  install: CodeServerInstall;
  browser: Browser;
  /** Absolute path of the extension folder (its package.json). */
  extensionDir: string;
  /** Absolute path of the bundled test module exporting `run()`. */
  testsModule: string;
  /** A folder, a .code-workspace file (multi-root), or '' for a window with no folder. */
  workspace: string;
  env?: Record<string, string>;
  settings?: Record<string, unknown>;
  timeoutMs?: number;
  /** Called with the window's page once it is open (e.g. for screenshots the suite asks for). */
  onPage?: (page: Page) => void;
  /** Where the extension host's console lines go (default: stdout). */
  print?: (line: string) => void;
}

export async function runExtensionTests(opts: ExtensionTestRun): Promise<number> {
  const print = opts.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const server = await startCodeServer({ install: opts.install, workspace: opts.workspace, smokeTestDriver: true, env: opts.env, settings: opts.settings });
  const context = await opts.browser.newContext({ viewport: { width: 1400, height: 900 } });
  try {
    const page = await context.newPage();
    opts.onPage?.(page);
    const noise: string[] = [];
    let settle!: (code: number) => void;
    const exited = new Promise<number>((resolve) => (settle = resolve));
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown) => {
      // Console calls arrive as (format, ...values), e.g. mocha's "%s%s"; the workbench's own chatter
      // (offline gallery, missing auth providers) is only worth showing when something failed.
      const line = format(...(Array.isArray(args) ? args : [args]));
      if (verbose || !NOISE.test(line)) print(line);
      else noise.push(`[${type}] ${line}`);
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => settle(Number(code)));
    const remote = (p: string) => `vscode-remote://127.0.0.1:${server.port}${p}`;
    const payload = [
      ['extensionDevelopmentPath', remote(opts.extensionDir)],
      ['extensionTestsPath', remote(opts.testsModule)],
      ['skipWelcome', 'true'],
      ['skipReleaseNotes', 'true'],
    ];
    const where = !opts.workspace
      ? 'ew=true' // empty window: no folder open
      : opts.workspace.endsWith('.code-workspace')
        ? `workspace=${encodeURIComponent(opts.workspace)}`
        : `folder=${encodeURIComponent(opts.workspace)}`;
    await page.goto(`${server.url}/?${where}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    const timeoutMs = opts.timeoutMs ?? 10 * 60_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<number>((resolve) => {
      timer = setTimeout(() => {
        print(`extension tests did not finish within ${timeoutMs / 1000} s; code-server said:\n${server.logs().slice(-5000)}`);
        resolve(1);
      }, timeoutMs);
    });
    const code = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (code !== 0 && noise.length) print(`-- workbench console (filtered above):\n${noise.slice(-100).join('\n')}`);
    return code;
  } finally {
    await context.close().catch(() => undefined);
    await server.stop();
  }
}
