// Route B: what a user sees. The packaged .vsix (platform build, with the Claude Agent SDK inside) is
// installed into a fresh code-server; in the real workbench the test runs "Wegent: Connect Device"
// from the command palette, pastes a token, sees the status bar and the toast, opens the Wegent chat
// in the activity bar, picks this device, sends a message and watches the reply stream in. It saves
// screenshots of the main states under .test-artifacts/vscode/.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { existsSync, readFileSync } from 'node:fs';
import { reply, text, toolUse, type ModelServer } from '../../../test/support/modelServer';
import { TOOL_FILE, TOOL_FILE_CONTENT, TOOL_MARKER, TOOL_REPLY, UI_MARKER, UI_REPLY } from '../vscode/scenario';
import { EXTENSION_DIR } from './build';
import { installVsix, makeProfile, run, startCodeServer, type CodeServerInstall } from './codeServer';

export interface UiTestOptions {
  install: CodeServerInstall;
  browser: Browser;
  backendUrl: string;
  token: string;
  env: Record<string, string>;
  model: ModelServer;
  scratch: string;
  artifacts: string;
}

const TIMEOUT = 60_000;

export async function packageVsix(out: string): Promise<void> {
  const target = `${process.platform}-${process.arch}`;
  await run(process.execPath, [join(EXTENSION_DIR, 'scripts/package.mjs'), '--target', target, '--out', out]);
}

export async function runUiTest(o: UiTestOptions): Promise<boolean> {
  const vsix = join(o.scratch, 'wegent.vsix');
  const started = Date.now();
  await packageVsix(vsix);
  console.log(`  packaged ${vsix} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  // "Ask before changes" on the device itself, so the local prompt is what this test answers.
  const profile = makeProfile({ 'wegent.backendUrl': o.backendUrl, 'wegent.permissionMode': 'default', 'workbench.colorTheme': 'Dark Modern' });
  await installVsix(o.install, vsix, profile);
  const workspace = mkdtempSync(join(o.scratch, 'ui-ws-'));
  const home = mkdtempSync(join(o.scratch, 'ui-home-'));
  const server = await startCodeServer({ install: o.install, workspace, ...profile, env: { ...o.env, HOME: home } });
  const context = await o.browser.newContext({ viewport: { width: 1400, height: 860 } });
  const page = await context.newPage();
  const shot = (name: string) => page.screenshot({ path: join(o.artifacts, `${name}.png`) });
  mkdirSync(o.artifacts, { recursive: true });
  try {
    await step('open the workbench', async () => {
      await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
      await page.locator('#workbench\\.parts\\.statusbar').waitFor({ timeout: TIMEOUT });
      await statusBar(page).filter({ hasText: 'Wegent' }).first().waitFor({ timeout: TIMEOUT });
    });
    await step('"Wegent: Connect Device" asks for the token and connects', async () => {
      await runCommand(page, 'Wegent: Connect Device');
      const input = page.locator('.quick-input-widget input.input');
      await input.waitFor({ timeout: TIMEOUT });
      // Where tokens are made: the prompt names the Wegent URL, a title bar button opens it.
      await page.locator('.quick-input-widget', { hasText: `Paste an API token from Wegent (${o.backendUrl})` }).waitFor({ timeout: TIMEOUT });
      await page.locator('.quick-input-widget [aria-label="Open Wegent in the Browser to Generate a Token"]').first().waitFor({ timeout: TIMEOUT });
      await input.fill(o.token);
      await shot('token-input');
      await page.keyboard.press('Enter');
      await page.locator('.notifications-toasts .notification-list-item-message', { hasText: 'is connected as a device' }).waitFor({ timeout: TIMEOUT });
      await statusBar(page).filter({ hasText: 'Wegent 0/5' }).first().waitFor({ timeout: TIMEOUT });
      await shot('connected-status-bar');
    });
    const chat = await step('the Wegent chat lists this device online 0/5', async () => {
      await page.locator('.activitybar .action-item a[aria-label^="Wegent"]').first().click();
      const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      await frame.locator('.picker-trigger').waitFor({ timeout: TIMEOUT });
      await frame.locator('.picker-trigger').click();
      const row = frame.locator('.picker-row', { hasText: 'this VS Code' });
      await row.waitFor({ timeout: TIMEOUT });
      await row.locator('.picker-slots', { hasText: '0/5' }).waitFor({ timeout: TIMEOUT });
      await shot('sidebar-picker');
      await row.locator('.picker-choice').click();
      return frame;
    });
    await step('a message to this device streams the reply into the chat', async () => {
      const input = chat.locator('textarea');
      await input.click();
      await input.fill(`${UI_MARKER} hello from the UI test`);
      await input.press('Enter');
      await chat.getByText(UI_REPLY.split('**')[0].trim(), { exact: false }).first().waitFor({ timeout: 120_000 });
      await chat.locator('strong', { hasText: 'Markdown' }).first().waitFor({ timeout: TIMEOUT });
      // The highlighter bundle loads beside main.js under the webview's real nonce CSP, and Copy is there.
      await chat.locator('.code-block .hljs-keyword', { hasText: 'const' }).first().waitFor({ timeout: TIMEOUT });
      await chat.getByRole('button', { name: 'Copy js code' }).first().waitFor({ timeout: TIMEOUT });
      await statusBar(page).filter({ hasText: 'Wegent 0/5' }).first().waitFor({ timeout: TIMEOUT }); // slot released
      await shot('sidebar-chat-reply');
    });
    await step('a tool that edits the workspace asks first: toast, sidebar card and "needs input"; the sidebar answers first and the toast learns it', async () => {
      const file = join(workspace, TOOL_FILE);
      o.model.script(TOOL_MARKER, reply(text('Creating the file.'), toolUse('Write', { file_path: file, content: TOOL_FILE_CONTENT })), reply(text(TOOL_REPLY)));
      const input = chat.locator('textarea');
      await input.fill(`${TOOL_MARKER} create ${TOOL_FILE}`);
      await input.press('Enter');
      const toasts = page.locator('.notifications-toasts .notification-list-item', { hasText: 'Claude wants to create or overwrite' });
      const toast = toasts.first();
      await toast.waitFor({ timeout: 120_000 });
      if (existsSync(file)) throw new Error('the file was written before the user allowed it');
      // The toast names the task by its message and the file by its path: no ids, no JSON.
      const said = await toast.locator('.notification-list-item-message').innerText();
      if (!said.includes(TOOL_FILE) || !said.includes(TOOL_MARKER) || /[{}]|sub_|[0-9a-f]{12}/.test(said)) throw new Error(`the toast says: ${said}`);
      await statusBar(page).filter({ hasText: 'Wegent 1/5 · needs input' }).first().waitFor({ timeout: TIMEOUT });
      // The sidebar says the task waits here, for which tool and file.
      const card = chat.locator('.approval-card[data-state="open"]');
      await card.getByText('The task waits for your answer on this machine').waitFor({ timeout: TIMEOUT });
      await card.getByText('Claude wants to create or overwrite a file').waitFor({ timeout: TIMEOUT });
      await card.locator('.tool-path', { hasText: TOOL_FILE }).waitFor({ timeout: TIMEOUT });
      await shot('tool-approval');
      await shot('sidebar-approval-card');
      // A toast that went away can be brought back from the sidebar.
      await toast.hover();
      await toast.getByRole('button', { name: /Clear Notification/ }).click();
      await toasts.first().waitFor({ state: 'detached', timeout: TIMEOUT });
      await card.getByRole('button', { name: 'Show the prompt' }).click();
      await toasts.first().waitFor({ timeout: TIMEOUT });
      // The sidebar answers first; the toast still on screen is told when clicked.
      await card.getByRole('button', { name: 'Allow once' }).click();
      await chat.getByText(TOOL_REPLY).first().waitFor({ timeout: 120_000 });
      if (readFileSync(file, 'utf8') !== TOOL_FILE_CONTENT) throw new Error(`${file} does not hold what the tool wrote`);
      await chat.locator('.approval-decided', { hasText: /Allowed by you in VS Code, \d{1,2}:\d{2}/ }).first().waitFor({ timeout: TIMEOUT });
      await statusBar(page).filter({ hasText: 'Wegent 0/5' }).first().waitFor({ timeout: TIMEOUT });
      await toasts.first().getByRole('button', { name: 'Allow', exact: true }).click();
      await page.locator('.notifications-toasts .notification-list-item-message', { hasText: 'this request was already allowed in a chat' }).waitFor({ timeout: TIMEOUT });
      await shot('tool-approved');
    });
    await step('the output channel shows the task', async () => {
      await runCommand(page, 'Wegent: Show Output');
      await page.locator('.output-view, .part.panel').getByText('task completed').first().waitFor({ timeout: TIMEOUT });
      await shot('output-channel');
    });
    await step('the chat follows the light and high-contrast themes', async () => {
      await page.keyboard.press('Escape');
      for (const [theme, cls, name] of [['Light Modern', 'vs', 'sidebar-light'], ['Dark High Contrast', 'hc-black', 'sidebar-high-contrast']]) {
        await page.keyboard.press('Control+K'); // Ctrl+K Ctrl+T: the color theme picker
        await page.keyboard.press('Control+T');
        await pickQuickItem(page, theme);
        await page.locator(`.monaco-workbench.${cls}`).waitFor({ timeout: TIMEOUT });
        await chat.locator('body.vscode-' + (cls === 'vs' ? 'light' : 'high-contrast')).waitFor({ timeout: TIMEOUT });
        if (cls === 'vs') {
          // Light Modern: the code block sits on the editor's white, not the side bar's #f8f8f8 (issue 20).
          const colours = await chat.locator('.code-block').first().evaluate((el) => {
            const probe = document.createElement('div');
            probe.style.background = 'var(--vscode-sideBar-background)';
            document.body.append(probe);
            const sideBar = getComputedStyle(probe).backgroundColor;
            probe.remove();
            return { block: getComputedStyle(el).backgroundColor, sideBar };
          });
          if (colours.block === colours.sideBar || colours.block === 'rgba(0, 0, 0, 0)') throw new Error(`code block ${colours.block} on side bar ${colours.sideBar}`);
          await chat.locator('.code-block').first().scrollIntoViewIfNeeded();
        }
        await shot(name);
      }
    });
    console.log(`  UI test passed in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${o.artifacts}`);
    return true;
  } catch (err) {
    await shot('failure').catch(() => undefined);
    console.error(`  UI test failed: ${(err as Error).message}\n  (screenshot: ${join(o.artifacts, 'failure.png')})`);
    return false;
  } finally {
    await context.close().catch(() => undefined);
    await server.stop();
    rmSync(profile.root, { recursive: true, force: true });
  }
}

async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    const value = await fn();
    console.log(`  ✔ ${name} (${Date.now() - t0} ms)`);
    return value;
  } catch (err) {
    console.log(`  ✖ ${name}`);
    throw err;
  }
}

const statusBar = (page: Page) => page.locator('#workbench\\.parts\\.statusbar .statusbar-item');

async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  await pickQuickItem(page, title, '>');
}

/** Types into the open quick input and accepts the first row showing `label`. */
async function pickQuickItem(page: Page, label: string, prefix = ''): Promise<void> {
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ timeout: TIMEOUT });
  await input.fill(`${prefix}${label}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first().waitFor({ timeout: TIMEOUT });
  await page.keyboard.press('Enter');
}
