// Usage and cost in the chat, in real Chromium against the real backend with protocol-level devices
// that report known usage: each reply's muted footer (tokens, cost, with the exact counts in its
// tooltip), the conversation's sum under the last reply, the same after reopening it from history,
// nothing where nothing was reported, and Settings → Usage per device — in English and 简体中文.
// (The real executor and Agent SDK end to end: ./executor.test.ts and extension/test/executor/usage.e2e.test.ts.)
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { TestDevice } from '../../../test/support/clients';
import { createUser, type TestUser } from '../../../test/support/backend';
import { SCREENSHOTS, lastStatus, openChat, screenshot, signIn, startStack, type ChatPage, type Stack } from './harness';

describe('usage and cost in the chat page (Chromium)', function () {
  this.timeout(240_000);
  let stack: Stack;
  const open: ChatPage[] = [];
  const devices: TestDevice[] = [];

  before(async () => {
    stack = await startStack();
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') for (const c of open) await screenshot(c.page, `failed-usage-${open.indexOf(c)}`).catch(() => {});
  });
  after(async () => {
    for (const c of open) await c.close();
    for (const d of devices) d.close();
    await stack?.stop();
  });

  const device = async (user: TestUser, deviceId: string) => {
    const d = await TestDevice.connect({ url: stack.backend.url, token: user.token, deviceId, name: `Linux - ${deviceId}` });
    devices.push(d);
    return d;
  };
  const signedIn = async (user: TestUser, locale?: 'zh-CN') => {
    const c = await openChat(stack, locale ? { locale } : {});
    open.push(c);
    if (!locale) await signIn(c.page, user);
    else {
      await c.page.getByLabel('用户名').fill(user.username);
      await c.page.getByLabel('密码').fill(user.password);
      await c.page.getByRole('button', { name: '登录' }).click();
      await c.page.locator('.connection-connected').waitFor();
    }
    return c;
  };
  /** A footer part's own text, without the separator before it. */
  const part = async (l: Locator) => (await l.innerText()).replace(/^ · /, '');
  /** Sends `message` from the page; the device answers with `usage` (undefined: none reported). */
  const answer = async (c: ChatPage, dev: TestDevice, n: number, message: string, usage?: object) => {
    const box = c.page.locator('.composer textarea');
    await box.fill(message);
    await box.press('Enter');
    const exec = await dev.waitForExecute(n, 60_000);
    await dev.text(exec.subtask_id, `Answer ${n}.`);
    await dev.complete(exec.subtask_id, { result: `Answer ${n}.`, ...(usage ? { usage } : {}) });
  };

  it('shows each reply\'s tokens and cost, the conversation\'s sum, the same after reopening, and nothing unreported', async () => {
    const user = await createUser(stack.backend);
    const dev = await device(user, 'usage-ui');
    const c = await signedIn(user);
    const p = c.page;

    await answer(c, dev, 1, 'first question', { input_tokens: 1200, output_tokens: 340, cache_creation_input_tokens: 2000, cache_read_input_tokens: 9000, total_cost_usd: 0.0123, duration_ms: 4100, duration_api_ms: 3900, num_turns: 3 });
    await lastStatus(p).filter({ hasText: 'Completed' }).waitFor();
    const first = p.locator('.turn').nth(0).locator('.reply-meta');
    await first.locator('.meta-tokens').filter({ hasText: '12.5K tokens' }).waitFor();
    assert.equal(await part(first.locator('.meta-cost')), '$0.012');
    assert.equal(await first.locator('.meta-tokens').getAttribute('title'), 'Input 1,200 · Output 340 · Cache write 2,000 · Cache read 9,000');
    assert.equal(await part(first.locator('.meta-duration')), '4.1 s', 'the duration the device reported');
    assert.match((await first.locator('.meta-duration').getAttribute('title'))!, /Model API 3\.9 s of it · 3 model turns/);
    assert.equal(await p.locator('.conversation-usage').count(), 0, 'one priced reply: its footer says it all');

    // A reply whose device reported nothing shows no tokens and no cost (not zeros).
    await answer(c, dev, 2, 'second question');
    await p.locator('.turn').nth(1).locator('.status-line').filter({ hasText: 'Completed' }).waitFor();
    assert.equal(await p.locator('.turn').nth(1).locator('.meta-tokens, .meta-cost').count(), 0);

    await answer(c, dev, 3, 'third question', { input_tokens: 800, output_tokens: 60, total_cost_usd: 0.0031 });
    await p.locator('.turn').nth(2).locator('.meta-cost').filter({ hasText: '$0.0031' }).waitFor();
    const sum = p.locator('.conversation-usage');
    await sum.filter({ hasText: 'This conversation: 2 replies · 13.4K tokens · $0.015' }).waitFor();
    await screenshot(p, 'chat-usage');

    // Reopened from history: the stored usage shows the same.
    await p.getByRole('button', { name: 'New conversation' }).click();
    await p.getByRole('button', { name: 'Conversation history' }).click();
    await p.getByRole('button', { name: /Open conversation "first question/ }).click();
    await p.locator('.conversation-usage').filter({ hasText: 'This conversation: 2 replies · 13.4K tokens · $0.015' }).waitFor();
    assert.equal(await part(p.locator('.turn').nth(0).locator('.meta-cost')), '$0.012');
    assert.equal(await p.locator('.turn').nth(1).locator('.meta-tokens, .meta-cost').count(), 0);

    // Settings → Usage: per device, the same sums.
    await p.getByRole('button', { name: 'Settings' }).click();
    const row = p.locator('.usage-table tr[data-device-id="usage-ui"]');
    await row.waitFor();
    assert.deepEqual(await row.locator('th, td').allInnerTexts(), ['Linux - usage-ui', '2', '13,400', '$0.015']);
    await p.locator('.usage').screenshot({ path: join(SCREENSHOTS, 'settings-usage.png') });
    assert.deepEqual(c.errors, []);
    assert.deepEqual(c.cspViolations, []);
  });

  it('in 简体中文: the footer, the sum and Settings → Usage', async () => {
    const user = await createUser(stack.backend);
    const dev = await device(user, 'usage-zh');
    const c = await signedIn(user, 'zh-CN');
    const p = c.page;
    await answer(c, dev, 1, '第一个问题', { input_tokens: 12_000, output_tokens: 345, total_cost_usd: 0.05 });
    await answer(c, dev, 2, '第二个问题', { input_tokens: 3000, output_tokens: 55, total_cost_usd: 0.02 });
    await p.locator('.conversation-usage').filter({ hasText: '本对话：2 条回复 · 1.5万 个 token · US$0.07' }).waitFor();
    assert.equal(await part(p.locator('.turn').nth(0).locator('.meta-tokens')), '1.2万 个 token');
    await p.getByRole('button', { name: '设置' }).click();
    await p.locator('.usage-table tr[data-device-id="usage-zh"]').waitFor();
    assert.equal(await p.locator('#usage-title').innerText(), '用量');
    assert.deepEqual(c.errors, []);
  });

  it('Settings → Usage says so when nothing was reported', async () => {
    const user = await createUser(stack.backend);
    const c = await signedIn(user);
    await c.page.getByRole('button', { name: 'Settings' }).click();
    await c.page.getByText('No usage reported in the last 30 days.').waitFor();
  });
});
