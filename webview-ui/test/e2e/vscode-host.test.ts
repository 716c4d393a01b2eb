// The VS Code host flavour in real Chromium: the page is served the way VS Code serves a webview
// (its own origin, a nonce CSP with default-src 'none', acquireVsCodeApi), and its messages go to
// the extension's real host-side bridge (extension/src/vscode/chatBridge.ts, vscode-free), which
// holds the /chat socket and the token against the real backend. Proves the two halves of
// shared/src/bridge.ts fit, and that the page itself never reaches the network or sees the token.
import assert from 'node:assert/strict';
import type { HostToWebview } from '@wegent/shared';
import { createUser, type TestUser } from '../../../test/support/backend';
import { TestDevice } from '../../../test/support/clients';
import { freePort } from '../../../test/support/redis';
import { lastStatus, openPicker, pickerRow, pickerTrigger, screenshot, sendMessage, startStack, type Stack, waitFor } from './harness';
import { ORIGIN, THEMES, openVsCodePage, type Host, type ThemeName } from './vscodePage';

describe('chat page in Chromium (VS Code host flavour, real host bridge, real backend)', function () {
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

  /** Opens the chat as VS Code would, with the bridge answering for a user (or for nobody). */
  async function openVsCodeChat(user: TestUser | null, localDeviceId?: string, theme: ThemeName = 'dark', backendUrl = stack.backend.url): Promise<Host> {
    const host = await openVsCodePage(stack.browser, { user, localDeviceId, theme, backendUrl });
    hosts.push(host);
    return host;
  }

  it('chats through the host bridge: picker with this VS Code marked, streaming, completion; the page never touches the network', async () => {
    const user = await createUser(stack.backend);
    const dev = await TestDevice.connect({ url: stack.backend.url, token: user.token, deviceId: 'vs-mac', name: 'Darwin - MacBook-Pro.local' });
    devices.push(dev);
    const { page, requests } = await openVsCodeChat(user, 'vs-mac');
    await page.locator('.connection-connected').waitFor();
    await openPicker(page);
    const row = pickerRow(page, 'vs-mac');
    await row.getByText('this VS Code').waitFor();
    await row.locator('.picker-choice').click();
    await sendMessage(page, 'refactor utils.ts');
    const exec = await dev.waitForExecute(1, 60_000);
    assert.equal(exec.prompt, 'refactor utils.ts');
    await dev.progress(exec.subtask_id, [
      { type: 'text', text: 'Reading the file.\n\n' },
      { type: 'tool_use', id: 't1', name: 'Read', input: { file_path: 'utils.ts' } },
      { type: 'tool_result', tool_use_id: 't1', is_error: false, text: 'export const x = 1;' },
      { type: 'text', text: 'Renamed `x` to **answer**.' },
    ]);
    await dev.complete(exec.subtask_id, { result: 'ok', usage: { input_tokens: 500, output_tokens: 40, total_cost_usd: 0.004 } });
    await lastStatus(page).filter({ hasText: 'Completed' }).waitFor();
    await page.locator('.turn .meta-cost').filter({ hasText: '$0.004' }).waitFor();
    await page.locator('.tool-card summary').click();
    await screenshot(page, 'vscode-sidebar-chat-dark');
    // Settings → Usage reads GET /api/usage through the host (the bridge's allow-list lets it by).
    // The sidebar has no gear of its own: the view's title-bar gear asks the host to toggle settings.
    await page.evaluate(() => window.postMessage({ type: 'toggleSettings' }, '*'));
    await page.locator('.usage-table tr[data-device-id="vs-mac"]').filter({ hasText: '540' }).waitFor();
    assert.deepEqual(requests.filter((u) => !u.startsWith(ORIGIN)), [], 'the webview itself reached the network');
    const text = await page.content();
    assert.equal(text.includes(user.token), false, 'the token reached the webview');
  });

  it('takes a selection and a file added from the editor along with the next message, shown as removable chips until then', async () => {
    const user = await createUser(stack.backend);
    const dev = await TestDevice.connect({ url: stack.backend.url, token: user.token, deviceId: 'vs-context', name: 'Linux - context' });
    devices.push(dev);
    const { page } = await openVsCodeChat(user, 'vs-context');
    await page.locator('.connection-connected').waitFor();
    await openPicker(page);
    await pickerRow(page, 'vs-context').locator('.picker-choice').click();
    // What "Wegent: Add Selection to Chat" / "Add File to Chat" post (extension/src/vscode/chatContext.ts).
    const post = (m: HostToWebview) => page.evaluate((msg) => window.postMessage(msg, '*'), m);
    await post({ type: 'context', item: { kind: 'selection', path: 'src/utils.ts', startLine: 3, endLine: 4, text: 'export const x = 1;\nexport const y = 2;' } });
    await post({ type: 'context', item: { kind: 'file', path: 'README.md' } });
    await post({ type: 'context', item: { kind: 'file', path: 'notes.txt' } });
    const chips = page.locator('.context-chip');
    await waitFor(async () => (await chips.count()) === 3, { message: 'three chips' });
    assert.deepEqual(await chips.locator('.context-name').allTextContents(), ['src/utils.ts:3–4', 'README.md', 'notes.txt']);
    await page.getByRole('button', { name: 'Remove notes.txt' }).click();
    await waitFor(async () => (await chips.count()) === 2, { message: 'one removed' });
    await screenshot(page, 'vscode-context-chips');
    await sendMessage(page, 'rename x to answer');
    const exec = await dev.waitForExecute(1, 60_000);
    assert.equal(
      exec.prompt,
      'rename x to answer\n\nContext from the editor:\n- Selection from `src/utils.ts:3–4`:\n```\nexport const x = 1;\nexport const y = 2;\n```\n- File: `README.md`',
    );
    assert.ok(!exec.prompt.includes('notes.txt'), 'a removed chip does not go along');
    await waitFor(async () => (await chips.count()) === 0, { message: 'the chips went with the message' });
  });

  it('keeps the conversation and the device choice across hide/show (webview state)', async () => {
    const user = await createUser(stack.backend);
    const dev = await TestDevice.connect({ url: stack.backend.url, token: user.token, deviceId: 'vs-keep', name: 'Linux - keep' });
    devices.push(dev);
    const { page } = await openVsCodeChat(user);
    await page.locator('.connection-connected').waitFor();
    await openPicker(page);
    await pickerRow(page, 'vs-keep').locator('.picker-choice').click();
    await sendMessage(page, 'remember me');
    const exec = await dev.waitForExecute(1, 60_000);
    await dev.text(exec.subtask_id, 'still here');
    await dev.complete(exec.subtask_id, { result: 'ok' });
    await lastStatus(page).filter({ hasText: 'Completed' }).waitFor();
    await page.getByLabel('Message').fill('a draft');
    // VS Code disposes a hidden webview and builds it again on show: the same page, reloaded.
    await page.reload();
    await page.getByText('still here').waitFor();
    assert.equal(await page.getByLabel('Message').inputValue(), 'a draft');
    await waitFor(async () => (await pickerTrigger(page).getAttribute('aria-label'))?.includes('Linux - keep'), { message: 'device choice lost' });
  });

  for (const theme of ['light', 'high-contrast'] as const) {
    it(`takes its colours from the ${theme} theme`, async () => {
      const user = await createUser(stack.backend);
      const dev = await TestDevice.connect({ url: stack.backend.url, token: user.token, deviceId: `vs-${theme}`, name: 'Linux - themed' });
      devices.push(dev);
      const { page } = await openVsCodeChat(user, `vs-${theme}`, theme);
      await page.locator('.connection-connected').waitFor();
      await openPicker(page);
      await pickerRow(page, `vs-${theme}`).locator('.picker-choice').click();
      await sendMessage(page, 'theme check');
      const exec = await dev.waitForExecute(1, 60_000);
      await dev.progress(exec.subtask_id, [{ type: 'text', text: 'Some `code` here.' }, { type: 'tool_use', id: 'x', name: 'Bash', input: { command: 'ls' } }]);
      await page.locator('.tool-card').waitFor();
      const [vars] = THEMES[theme];
      const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur()); // focus paints its own border
      const colours = await page.evaluate(() => ({
        text: getComputedStyle(document.querySelector('.markdown')!).color,
        input: getComputedStyle(document.querySelector('textarea')!).backgroundColor,
        inputBorder: getComputedStyle(document.querySelector('textarea')!).borderTopColor,
      }));
      assert.deepEqual(colours, { text: rgb(vars['--vscode-foreground']), input: rgb(vars['--vscode-input-background']), inputBorder: rgb(vars['--vscode-input-border']) });
      if (theme === 'high-contrast') {
        const cardBorder = await page.evaluate(() => getComputedStyle(document.querySelector('.tool-card')!).borderTopColor);
        assert.equal(cardBorder, rgb(vars['--vscode-contrastBorder']));
      }
      await screenshot(page, `vscode-sidebar-${theme}`);
      await dev.complete(exec.subtask_id, { result: 'ok' });
    });
  }

  it('with the backend unreachable, says which URL it tried', async () => {
    const user = await createUser(stack.backend);
    const dead = `http://127.0.0.1:${await freePort()}`;
    const { page } = await openVsCodeChat(user, undefined, 'dark', dead);
    await page.locator('.connection-disconnected').waitFor();
    await page.locator('.notice').filter({ hasText: dead }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Send' }).isDisabled(), true);
    await screenshot(page, 'vscode-backend-unreachable');
  });

  it('without a token greets with what Wegent does and the steps, offering the extension commands instead of a password form', async () => {
    const { page, commands } = await openVsCodeChat(null);
    await page.getByRole('heading', { name: 'Run AI coding tasks on this machine' }).waitFor();
    assert.equal(await page.getByRole('alert').count(), 0, 'a new user sees no error');
    await page.getByRole('button', { name: 'Open Wegent' }).click();
    await page.getByRole('button', { name: 'Set API Token' }).click();
    await page.getByRole('button', { name: 'Walkthrough' }).click();
    await waitFor(() => commands.length === 3);
    assert.deepEqual(commands, ['openWegent', 'setToken', 'openWalkthrough']);
    assert.equal(await page.getByLabel('Password').count(), 0);
    await screenshot(page, 'vscode-signed-out');
  });
});
