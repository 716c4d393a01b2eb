// The chat as a VS Code sidebar user meets it (issue 20, items 6–8 and 10), in real Chromium against a
// real backend through the extension's real host bridge (vscodePage.ts), and the browser page where
// it differs: code blocks (lazy highlighter, theme colours, Copy), paths that open files, the banner
// and picker with the backend down (words, unknown statuses, Retry), the layout measured at VS Code's
// default sidebar width and at 170 px, and `@` in the composer.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { ContextItem, OpenFileRequest } from '@wegent/shared';
import { createUser, FAST_TIMING, REPO_ROOT, startBackend, type TestUser } from '../../../test/support/backend';
import { TestDevice } from '../../../test/support/clients';
import { SCREENSHOTS, lastStatus, openChat, openPicker, pickerRow, screenshot, sendMessage, signIn, startStack, type Stack, waitFor } from './harness';
import { LIGHT_THEME, ORIGIN, openVsCodePage, type Host, type VsCodePageOptions } from './vscodePage';

/** Screenshots docs/extension.md and docs/chat-ui.md show, copied there when WEGENT_DOC_IMAGES=1. */
async function docShot(page: Page, name: string, folder: 'vscode' | 'chat'): Promise<void> {
  await screenshot(page, name);
  if (process.env.WEGENT_DOC_IMAGES !== '1') return;
  const dir = join(REPO_ROOT, 'docs', 'images', folder);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(SCREENSHOTS, `${name}.png`), join(dir, `${name}.png`));
}

const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;

const CODE_REPLY = 'Changed `src/app.ts:3` like this:\n\n```ts\nexport function answer(): number {\n  return 42; // the answer\n}\n```\n\nRun `npm test` after.';

describe('the sidebar chat: code, file links, offline truth, narrow layout, @ (Chromium, real host bridge)', function () {
  this.timeout(300_000);
  let stack: Stack;
  const hosts: Host[] = [];
  const devices: TestDevice[] = [];

  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.stop();
  });
  afterEach(async () => {
    for (const d of devices.splice(0)) d.close();
    for (const h of hosts.splice(0)) {
      h.bridge.dispose();
      await h.context.close();
    }
  });

  async function open(opts: Partial<VsCodePageOptions> & { user: TestUser }): Promise<Host> {
    const host = await openVsCodePage(stack.browser, { backendUrl: stack.backend.url, ...opts });
    hosts.push(host);
    await host.page.locator('.connection-connected').waitFor();
    return host;
  }

  async function device(user: TestUser, id: string, name = `Linux - ${id}`, backendUrl = stack.backend.url): Promise<TestDevice> {
    const d = await TestDevice.connect({ url: backendUrl, token: user.token, deviceId: id, name });
    devices.push(d);
    return d;
  }

  async function pick(page: Page, id: string): Promise<void> {
    await openPicker(page);
    await pickerRow(page, id).locator('.picker-choice').click();
  }

  it('highlights code blocks with the theme\'s colours on the editor background, loading the highlighter only for the first block; Copy says Copied', async () => {
    const user = await createUser(stack.backend);
    const dev = await device(user, 'vs-code');
    const { page, context, requests } = await open({ user, localDeviceId: 'vs-code', theme: 'light' });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: ORIGIN });
    await pick(page, 'vs-code');
    await sendMessage(page, 'show me');
    const exec = await dev.waitForExecute(1, 60_000);
    await dev.text(exec.subtask_id, 'No code yet.');
    await page.getByText('No code yet.').waitFor();
    assert.equal(requests.some((u) => u.endsWith('/highlight.js')), false, 'the highlighter loaded before any code block');
    await dev.text(exec.subtask_id, `\n\n${CODE_REPLY}`);
    await dev.complete(exec.subtask_id, { result: 'ok' });
    await page.locator('.code-block .hljs-keyword').first().waitFor();
    assert.equal(requests.filter((u) => u.endsWith('/highlight.js')).length, 1);
    const look = await page.evaluate(() => ({
      block: getComputedStyle(document.querySelector('.code-block')!).backgroundColor,
      keyword: getComputedStyle(document.querySelector('.code-block .hljs-keyword')!).color,
      lang: document.querySelector('.code-lang')!.textContent,
    }));
    // Light Modern: the editor's white, not the side bar's #f8f8f8 (they were the same before).
    assert.deepEqual(look, { block: rgb(LIGHT_THEME['--vscode-editor-background']), keyword: rgb(LIGHT_THEME['--vscode-debugTokenExpression-name']), lang: 'ts' });
    assert.notEqual(look.block, rgb(LIGHT_THEME['--vscode-sideBar-background']));
    const copy = page.getByRole('button', { name: 'Copy ts code' });
    await copy.click();
    await page.locator('.code-block [role="status"]').filter({ hasText: 'Copied' }).waitFor();
    await copy.filter({ hasText: 'Copied' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'export function answer(): number {\n  return 42; // the answer\n}\n');
    await docShot(page, 'code-block-light', 'vscode');
    await copy.filter({ hasText: 'Copy' }).filter({ hasNotText: 'Copied' }).waitFor(); // the confirmation ends by itself
  });

  it('opens paths of this device\'s replies and tool cards through the host; another device\'s stay text', async () => {
    const user = await createUser(stack.backend);
    const here = await device(user, 'vs-here');
    const other = await device(user, 'vs-other');
    const opened: OpenFileRequest[] = [];
    const { page } = await open({ user, localDeviceId: 'vs-here', bridge: { openFile: (f) => void opened.push(f) } });
    const run = async (dev: TestDevice, id: string) => {
      await pick(page, id);
      await sendMessage(page, `paths on ${id}`);
      const exec = await dev.waitForExecute(1, 60_000);
      await dev.progress(exec.subtask_id, [
        { type: 'tool_use', id: 't1', name: 'Read', input: { file_path: 'src/app.ts' } },
        { type: 'tool_result', tool_use_id: 't1', is_error: false, text: 'export {}' },
        { type: 'text', text: CODE_REPLY },
      ]);
      await dev.complete(exec.subtask_id, { result: 'ok' });
      await lastStatus(page).filter({ hasText: 'Completed' }).waitFor();
    };
    // Another device's reply: its paths are that machine's files, not links here.
    await run(other, 'vs-other');
    await page.locator('.turn .code-block').waitFor();
    assert.equal(await page.locator('.turn .file-link').count(), 0, 'another device\'s paths are not this machine\'s files');
    await page.getByRole('button', { name: 'New conversation' }).click();
    await run(here, 'vs-here');
    const mine = page.locator('.turn').last();
    // A link's name is the path itself; its tooltip says what it does.
    const inline = mine.locator('.markdown').getByRole('button', { name: 'src/app.ts:3', exact: true });
    assert.equal(await inline.getAttribute('title'), 'Open src/app.ts:3 in the editor');
    await inline.click();
    await mine.locator('.tool-card summary').click();
    await mine.locator('.tool-card').getByRole('button', { name: 'src/app.ts', exact: true }).click();
    await waitFor(() => opened.length === 2, { message: 'two opens reached the host' });
    assert.deepEqual(opened.map(({ path, line }) => ({ path, line })), [{ path: 'src/app.ts', line: 3 }, { path: 'src/app.ts', line: undefined }]);
    assert.ok(opened.every((f) => typeof f.task_id === 'string' && f.task_id.length > 0), 'the conversation goes along');
    assert.equal(await mine.getByRole('button', { name: /npm test/ }).count(), 0, 'a command is not a path');
    await docShot(page, 'file-links', 'vscode');
  });

  it('with the backend down: the banner says what is wrong in words, devices are "status unknown", Retry reconnects now', async () => {
    // A backend of its own: this one is killed and started again.
    const backend = await startBackend({ redisUrl: stack.redis.url, env: FAST_TIMING });
    try {
      const user = await createUser(backend);
      await device(user, 'vs-down', 'Linux - build-01', backend.url);
      const { page } = await open({ user, localDeviceId: 'vs-down', backendUrl: backend.url });
      await pick(page, 'vs-down');
      await page.locator('.picker-trigger .device-status-online').waitFor();
      await backend.kill();
      const banner = page.locator('.notice-offline');
      await banner.filter({ hasText: 'connection refused' }).waitFor();
      const words = await banner.textContent();
      assert.match(words!, new RegExp(`Cannot reach the Wegent backend at ${backend.url.replace(/[.:/]/g, '\\$&')} \\(connection refused\\)`));
      assert.doesNotMatch(words!, /\(Error\)|xhr poll error/);
      await page.locator('.picker-trigger .device-status-unknown').waitFor();
      assert.match((await page.locator('.picker-trigger').getAttribute('aria-label'))!, /status unknown/);
      assert.equal(await page.locator('.picker-trigger .picker-slots').count(), 0, 'no slot count from the last known list');
      await openPicker(page);
      await page.locator('.picker-stale').waitFor();
      assert.equal(await pickerRow(page, 'vs-down').locator('.device-status-online').count(), 0, 'nothing green while unknown');
      await docShot(page, 'offline-banner', 'vscode');
      await page.keyboard.press('Escape');
      // Retry tries at once (the socket's own backoff waits up to 10 s): a new attempt, then the words again.
      const retry = banner.getByRole('button', { name: 'Reconnect to the backend now' });
      // The attempt is brief (refused at once): every state the header shows is recorded.
      await page.evaluate(`(() => {
        window.__states = [];
        new MutationObserver(() => window.__states.push(document.querySelector('.connection').className)).observe(document.querySelector('.header'), { subtree: true, attributes: true, childList: true });
      })()`);
      await retry.click();
      await waitFor(async () => ((await page.evaluate('window.__states')) as string[]).some((c) => c.includes('connection-connecting')), { message: 'Retry started a new attempt' });
      await banner.filter({ hasText: 'connection refused' }).waitFor();
      await backend.start();
      if (await retry.isVisible()) await retry.click().catch(() => {}); // (unless the backoff's own attempt won)
      await page.locator('.connection-connected').waitFor();
      await page.locator('.picker-trigger .device-status-online').waitFor();
      assert.equal(await banner.count(), 0);
    } finally {
      await backend.stop();
    }
  });

  type Rect = { left: number; right: number; top: number; bottom: number; width: number; height: number };
  type Layout = {
    width: number; header: (Rect | null)[]; bar: (Rect | null)[]; stop: Rect | null; send: Rect | null;
    placeholder: string; placeholderFits: boolean; name: string; nameFits: boolean; gears: number;
  };

  /** Rectangles of the visible controls of a region, for overlap and clipping checks. */
  async function layout(page: Page) {
    // A string, not a function: the test transpiler's helpers (__name) do not exist in the page.
    return page.evaluate(`(() => {
      function box(el) {
        if (!el) return null;
        const r = el.getBoundingClientRect();
        return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height };
      }
      function visible(sel) { return [...document.querySelectorAll(sel)].filter((e) => e.offsetParent !== null); }
      const area = document.querySelector('textarea');
      // Does the placeholder fit the box as it is? Measured with the placeholder as the text.
      const probe = area.cloneNode();
      probe.value = area.placeholder;
      probe.style.width = area.getBoundingClientRect().width + 'px';
      area.parentElement.append(probe);
      const placeholderFits = probe.scrollHeight <= probe.clientHeight + 1;
      probe.remove();
      const name = document.querySelector('.picker-trigger-name');
      return {
        width: document.documentElement.clientWidth,
        header: visible('.header button, .header .connection').map(box),
        bar: visible('.composer-bar > :not(.composer-actions):not(.spacer), .composer-actions > button').map(box),
        stop: box(document.querySelector('.composer-actions button.secondary')),
        send: box(document.querySelector('.composer-actions button[type="submit"]')),
        placeholder: area.placeholder,
        placeholderFits,
        name: name.innerText,
        nameFits: name.scrollWidth <= name.clientWidth + 1,
        gears: visible('.header [aria-label="Settings"]').length,
      };
    })()`) as Promise<Layout>;
  }

  const overlaps = (a: { left: number; right: number; top: number; bottom: number }, b: typeof a) =>
    a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;

  for (const width of [300, 170]) {
    it(`at ${width} px: Send beside Stop, nothing clipped or overlapping, one gear, a useful device name`, async () => {
      const user = await createUser(stack.backend);
      const dev = await device(user, `vs-w${width}`, 'Linux - build-01 · api');
      const { page } = await open({ user, localDeviceId: `vs-w${width}`, width });
      await pick(page, `vs-w${width}`);
      await sendMessage(page, 'a long task');
      const exec = await dev.waitForExecute(1, 60_000);
      await dev.text(exec.subtask_id, 'Working on it.');
      await page.getByRole('button', { name: 'Stop' }).waitFor();
      const m = await layout(page);
      assert.ok(m.stop && m.send, 'Stop and Send are shown');
      assert.ok(Math.abs(m.stop.top - m.send.top) < 1 && m.send.left >= m.stop.right, `Send wrapped away from Stop: ${JSON.stringify([m.stop, m.send])}`);
      for (const r of [...m.header, ...m.bar]) assert.ok(r && r.left >= 0 && r.right <= m.width + 0.5, `clipped at ${width} px: ${JSON.stringify(r)}`);
      const controls = m.bar.filter((r) => r && r.width > 0);
      for (let i = 0; i < controls.length; i++) for (let j = i + 1; j < controls.length; j++) {
        assert.ok(!overlaps(controls[i]!, controls[j]!), `composer controls overlap: ${JSON.stringify([controls[i], controls[j]])}`);
      }
      assert.ok(m.placeholderFits, `the placeholder "${m.placeholder}" does not fit its box`);
      assert.ok(m.nameFits, `the device name "${m.name}" is cut`);
      assert.equal(m.name, 'build-01 · api', 'the OS word gives way to the host and folder');
      assert.equal(m.gears, 0, 'the sidebar\'s gear is the view\'s own (title bar), not a second one in the chat');
      await docShot(page, `sidebar-${width}px`, 'vscode');
      await dev.complete(exec.subtask_id, { result: 'ok' });
    });
  }

  it('the sidebar\'s settings open from the view\'s gear (the host\'s toggleSettings); an editor-tab chat keeps its gear; Connect only while not connected', async () => {
    const user = await createUser(stack.backend);
    const { page: side } = await open({ user, localDeviceId: 'vs-side' });
    const toggle = () => side.evaluate(() => window.postMessage({ type: 'toggleSettings' }, '*'));
    await toggle();
    await side.getByRole('heading', { name: 'Settings' }).waitFor();
    await side.getByRole('button', { name: 'Extension Settings' }).waitFor();
    await toggle();
    await side.getByRole('heading', { name: 'Settings' }).waitFor({ state: 'detached' });
    const { page, commands } = await open({ user, surface: 'editor', localDeviceId: 'vs-tab' });
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Disconnect Device' }).click();
    assert.equal(await page.getByRole('button', { name: 'Connect Device', exact: true }).count(), 0);
    await waitFor(() => commands.includes('disconnectDevice'));
    const { page: idle } = await open({ user, surface: 'editor' });
    await idle.getByRole('button', { name: 'Settings' }).click();
    await idle.getByRole('button', { name: 'Connect Device', exact: true }).waitFor();
  });

  it('@ lists the selection and matching files from the host; picking one adds a chip and takes "@query" out of the text', async () => {
    const user = await createUser(stack.backend);
    const dev = await device(user, 'vs-at');
    const files = ['README.md', 'src/utils.ts', 'src/app.ts', 'test/utils.test.ts'];
    const selection: ContextItem = { kind: 'selection', path: 'src/app.ts', startLine: 2, endLine: 3, text: 'const a = 1;\nconst b = 2;' };
    const queries: string[] = [];
    const mentions = async (q: string): Promise<ContextItem[]> => {
      queries.push(q);
      return [...(!q ? [selection] : []), ...files.filter((f) => f.includes(q)).map((path) => ({ kind: 'file' as const, path }))];
    };
    const { page } = await open({ user, localDeviceId: 'vs-at', bridge: { mentions } });
    await pick(page, 'vs-at');
    const box = page.getByLabel('Message');
    await box.fill('');
    await box.pressSequentially('explain @');
    await page.getByRole('option', { name: 'Selection in src/app.ts:2–3' }).waitFor();
    await box.press('Enter'); // the first option: the selection, not a send
    await page.locator('.context-chip').filter({ hasText: 'src/app.ts:2–3' }).waitFor();
    assert.equal(await box.inputValue(), 'explain ');
    await box.pressSequentially('and @utils');
    let shown: string[] = [];
    await waitFor(async () => (shown = await page.locator('.mention-list').getByRole('option').allTextContents()).join() === 'src/utils.ts,test/utils.test.ts', { message: 'the files matching "utils"', timeout: 10_000 }).catch(async (e) => {
      throw new Error(`${(e as Error).message}: ${JSON.stringify(shown)} / queries ${JSON.stringify(queries)} / text ${JSON.stringify(await box.inputValue())}`);
    });
    await docShot(page, 'at-mention', 'vscode');
    await box.press('ArrowDown');
    assert.equal(await box.getAttribute('aria-activedescendant'), 'mention-1');
    await box.press('Tab');
    await page.locator('.context-chip').filter({ hasText: 'test/utils.test.ts' }).waitFor();
    assert.equal(await box.inputValue(), 'explain and ');
    await box.pressSequentially('@nothing-like-this');
    await page.locator('.mention-note').filter({ hasText: 'No selection or file matches "nothing-like-this"' }).waitFor();
    await box.press('Escape');
    assert.equal(await page.locator('.mention-menu').count(), 0);
    await box.fill('explain these');
    await box.press('Enter');
    const exec = await dev.waitForExecute(1, 60_000);
    assert.equal(exec.prompt, 'explain these\n\nContext from the editor:\n- Selection from `src/app.ts:2–3`:\n```\nconst a = 1;\nconst b = 2;\n```\n- File: `test/utils.test.ts`');
    assert.ok(queries.includes('utils'));
    await dev.complete(exec.subtask_id, { result: 'ok' });
  });

  it('in the browser: code in the dark palette, paths stay text, and @ says selections and files come from VS Code', async () => {
    const user = await createUser(stack.backend);
    const dev = await device(user, 'br-dev');
    const chat = await openChat(stack, { colorScheme: 'dark', width: 700 });
    try {
      const { page } = chat;
      await signIn(page, user);
      await pick(page, 'br-dev');
      await sendMessage(page, 'code please');
      const exec = await dev.waitForExecute(1, 60_000);
      await dev.text(exec.subtask_id, CODE_REPLY);
      await dev.complete(exec.subtask_id, { result: 'ok' });
      await page.locator('.code-block .hljs-keyword').first().waitFor();
      assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('.code-block .hljs-keyword')!).color), rgb('#ff7b72'));
      assert.equal(await page.locator('.file-link').count(), 0);
      await page.getByLabel('Message').pressSequentially('@');
      await page.locator('.mention-note').filter({ hasText: 'Selections and files can be added in VS Code' }).waitFor();
      await docShot(page, 'code-block-dark', 'chat');
      assert.deepEqual(chat.cspViolations, []);
      assert.deepEqual(chat.errors, []);
    } finally {
      await chat.close();
    }
  });
});
