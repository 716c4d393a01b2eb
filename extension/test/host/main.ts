// `npm run test:vscode`: the extension tested in a real VS Code. Builds, starts Redis, the backend and
// the scripted model server, runs the mocha suite inside the extension host (Route A), then the UI
// test on the installed .vsix (Route B), and exits non-zero if anything failed.
// `--only host|windows|ui` runs one part. Without code-server it says how to install it and fails.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUser, startBackend } from '../../../test/support/backend';
import { reply, startModelServer, text, toolUse } from '../../../test/support/modelServer';
import { startRedis } from '../../../test/support/redis';
import { CLAUDE_PATH_MARKER, CLAUDE_PATH_REPLY, ENV, MULTIROOT_CONTENT, MULTIROOT_FILE, MULTIROOT_MARKER, MULTIROOT_REPLY, SLOW_MARKER, SLOW_REPLY, STREAM_MARKER, STREAM_REPLY, UI_MARKER, UI_REPLY } from '../vscode/scenario';
import { launchChromium } from './browser';
import { buildForTests, EXTENSION_DIR, REPO, SUITE_MODULE } from './build';
import { findCodeServer, type CodeServerInstall } from './codeServer';
import { runExtensionTests } from './runExtensionTests';
import { runUiTest } from './uiTest';
import { startControlServer, type ControlServer } from './control';
import { runWindowsScenario } from './windows';

/**
 * Presence timings for these tests: short enough that "offline" shows within seconds, long enough
 * that a busy 2-core machine (code-server, Chromium and Claude Code at once) never misses a heartbeat
 * by accident — the 1 s TTL of FAST_TIMING failed running tasks as "device disconnected" here.
 */
const VSCODE_TIMING = { WEGENT_HEARTBEAT_INTERVAL_MS: '1000', WEGENT_ONLINE_TTL_MS: '6000', WEGENT_MONITOR_INTERVAL_MS: '1000' };

export const ARTIFACTS = join(REPO, '.test-artifacts', 'vscode');

async function main(): Promise<number> {
  let install: CodeServerInstall;
  try {
    install = findCodeServer();
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
  console.log('building the extension, webview and in-host suite…');
  await buildForTests();

  const scratch = mkdtempSync(join(tmpdir(), 'wegent-vscode-test-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  const redis = await startRedis();
  const backend = await startBackend({ redisUrl: redis.url, env: VSCODE_TIMING });
  const model = await startModelServer();
  model.script(STREAM_MARKER, reply(text(STREAM_REPLY), { chunks: 6, chunkDelayMs: 30 }));
  model.script(CLAUDE_PATH_MARKER, reply(text(CLAUDE_PATH_REPLY)));
  // Twice: the 0/5 → 1/5 → 0/5 test and the busy 1/1 test each hold a slot with it.
  const slow = () => reply(text(SLOW_REPLY), { delayMs: 2_500, chunks: 4, chunkDelayMs: 200 });
  model.script(SLOW_MARKER, slow(), slow());
  model.script(MULTIROOT_MARKER, reply(toolUse('Write', { file_path: MULTIROOT_FILE, content: MULTIROOT_CONTENT })), reply(text(MULTIROOT_REPLY)));
  model.script(UI_MARKER, reply(text(UI_REPLY), { chunks: 8, chunkDelayMs: 60 }));
  const browser = await launchChromium();
  let failed = 0;
  let control: ControlServer | undefined;
  try {
    const [alice, bob] = [await createUser(backend), await createUser(backend)];
    control = await startControlServer(backend, alice.userId);
    const claudeHome = join(scratch, 'claude-home');
    mkdirSync(claudeHome);
    // Reaches the extension host: the executor's Claude Code talks to the scripted model server.
    const env = {
      ...model.claudeEnv(claudeHome),
      [ENV.backendUrl]: backend.url,
      [ENV.token]: alice.token,
      [ENV.otherToken]: bob.token,
      [ENV.control]: control.url,
      // The device keeps its id file under HOME: a private one, not the real ~/.wegent-executor.
      HOME: mkdtempSync(join(scratch, 'home-')),
    };

    if (!only || only === 'host') {
      console.log('\n== mocha suite inside the VS Code extension host');
      const workspace = mkdtempSync(join(scratch, 'ws-'));
      // The suite asks for screenshots docs/extension.md shows (Open Changes); with WEGENT_DOC_IMAGES=1 they land in docs/images/vscode too.
      const hostControl = control;
      const code = await runExtensionTests({
        install, browser, extensionDir: EXTENSION_DIR, testsModule: SUITE_MODULE, workspace, env,
        onPage: (page) => {
          hostControl.screenshot = async (name) => {
            const path = join(ARTIFACTS, `${name}.png`);
            await page.screenshot({ path });
            if (process.env.WEGENT_DOC_IMAGES === '1') copyFileSync(path, join(REPO, 'docs', 'images', 'vscode', `${name}.png`));
            return path;
          };
        },
      });
      hostControl.screenshot = undefined;
      if (code !== 0) failed++;
      // Two more windows for the folder choice: a multi-root workspace, and no folder at all.
      const multiRoot = join(scratch, 'two-folders.code-workspace');
      const folders = ['ws-a-', 'ws-b-'].map((prefix) => ({ path: mkdtempSync(join(scratch, prefix)) }));
      writeFileSync(multiRoot, JSON.stringify({ folders }));
      for (const [layout, where] of [['multi-root', multiRoot], ['empty', '']] as const) {
        console.log(`\n== in-host suite, window: ${layout}`);
        const layoutCode = await runExtensionTests({ install, browser, extensionDir: EXTENSION_DIR, testsModule: SUITE_MODULE, workspace: where, env: { ...env, [ENV.layout]: layout } });
        if (layoutCode !== 0) failed++;
      }
    }
    if (!only || only === 'windows') {
      console.log('\n== two VS Code windows and a wegent-executor on one machine');
      failed += await runWindowsScenario({ install, browser, model, scratch, backendUrl: backend.url, token: alice.token, env, control, artifacts: ARTIFACTS });
    }
    if (!only || only === 'ui') {
      console.log('\n== UI test on the installed .vsix');
      // Alice again: the device id comes from this machine's hardware id, so it is hers already.
      const ok = await runUiTest({ install, browser, backendUrl: backend.url, token: alice.token, env, model, scratch, artifacts: ARTIFACTS });
      if (!ok) failed++;
    }
  } finally {
    await control?.close().catch(() => undefined);
    await browser.close().catch(() => undefined);
    await model.close().catch(() => undefined);
    await backend.stop().catch(() => undefined);
    await redis.stop().catch(() => undefined);
    rmSync(scratch, { recursive: true, force: true });
  }
  console.log(failed ? `\nVS Code tests: ${failed} route(s) failed` : '\nVS Code tests: all passed');
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
