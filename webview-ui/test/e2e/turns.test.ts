// A turn's life as the user sees it, in real Chromium against a real backend with protocol-level
// devices: Stop says "Stopping…" until the device has stopped, a refused message stays with its
// conversation (and can be retried), a new conversation starts with an empty box, and the
// per-turn session line is gone while its model shows with the reply.
import assert from 'node:assert/strict';
import { TestDevice } from '../../../test/support/clients';
import { createUser, type TestUser } from '../../../test/support/backend';
import {
  lastStatus, openChat, openPicker, pickerRow, pickerTrigger, screenshot, sendMessage, signIn, startStack, waitFor, type ChatPage, type Stack,
} from './harness';

describe('chat turns in Chromium', function () {
  this.timeout(240_000);
  let stack: Stack;
  const open: ChatPage[] = [];
  const devices: TestDevice[] = [];

  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.stop();
  });
  afterEach(async function () {
    for (const c of open.splice(0)) {
      if (this.currentTest?.state === 'failed') await screenshot(c.page, `failed-turns-${this.currentTest.title.slice(0, 30).replace(/\W+/g, '-')}`).catch(() => {});
      await c.close();
    }
    for (const d of devices.splice(0)) d.close();
  });

  const device = async (user: TestUser, deviceId: string, extra: Partial<Parameters<typeof TestDevice.connect>[0]> = {}) => {
    const d = await TestDevice.connect({ url: stack.backend.url, token: user.token, deviceId, name: `Linux - ${deviceId}`, ...extra });
    devices.push(d);
    return d;
  };
  const signedIn = async (user: TestUser) => {
    const c = await openChat(stack);
    open.push(c);
    await signIn(c.page, user);
    return c.page;
  };

  it('Stop says "Stopping…" until the device has stopped; the session line is not shown, its model is', async () => {
    const user = await createUser(stack.backend);
    const dev = await device(user, 'halt-dev');
    const page = await signedIn(user);
    await waitFor(async () => (await pickerTrigger(page).getAttribute('aria-label'))?.includes('Linux - halt-dev'), { message: 'the only device was not pre-selected' });
    await sendMessage(page, 'a long job');
    const exec = await dev.waitForExecute(1, 60_000);
    await dev.progress(exec.subtask_id, [
      { type: 'status', code: 'session_started', model: 'claude-test-model', permission_mode: 'default', text: 'Claude Code session started (model claude-test-model, permission mode default).' },
      { type: 'text', text: 'working…' },
    ]);
    await page.getByText('working…').waitFor();
    assert.equal(await page.getByText(/session started/).count(), 0);
    await page.locator('.turn .reply-meta .meta-model').filter({ hasText: 'claude-test-model' }).waitFor();

    await page.getByRole('button', { name: 'Stop' }).click();
    await lastStatus(page).filter({ hasText: 'Stopping…' }).waitFor();
    const stopping = page.getByRole('button', { name: 'Stopping…' });
    assert.equal(await stopping.isDisabled(), true, 'Stop cannot be pressed twice');
    await screenshot(page, 'chat-stopping');
    await waitFor(() => dev.cancels.some((c) => c.subtask_id === exec.subtask_id), { message: 'the device never got task:cancel' });
    await dev.complete(exec.subtask_id, { status: 'cancelled' });
    await lastStatus(page).filter({ hasText: 'Stopped' }).waitFor();
    assert.equal(await page.getByRole('button', { name: /^Stop/ }).count(), 0);
  });

  it('a message Cloud refused stays with its conversation when reopened, can be retried, and never refills a new conversation', async () => {
    const user = await createUser(stack.backend);
    const dev = await device(user, 'conv-dev');
    const operator = await createUser(stack.backend, { role: 'operator' });
    const page = await signedIn(user);
    await sendMessage(page, 'first, on my device');
    const first = await dev.waitForExecute(1, 60_000);
    await dev.complete(first.subtask_id, { result: 'ok' });
    await lastStatus(page).filter({ hasText: 'Completed' }).waitFor();

    // The pool looks available when the picker opens, then its only executor leaves.
    const pool = await device(operator, 'pool-x', { mode: 'cloud' });
    await openPicker(page);
    await pickerRow(page, 'cloud').getByText('Server-side executors').waitFor();
    await pickerRow(page, 'cloud').locator('.picker-choice').click();
    pool.close();
    await sendMessage(page, 'second, on Cloud');
    await lastStatus(page).filter({ hasText: 'Failed: Cloud executors are unavailable right now' }).waitFor();
    assert.equal(await page.getByLabel('Message').inputValue(), 'second, on Cloud', 'the refused text is back in the box');
    await screenshot(page, 'chat-failed-retry');

    await page.getByRole('button', { name: 'New conversation' }).click();
    assert.equal(await page.getByLabel('Message').inputValue(), '', 'a new conversation starts with an empty box');

    await page.getByRole('button', { name: 'Conversation history' }).click();
    await page.getByRole('button', { name: /Open conversation "first, on my device/ }).click();
    await page.locator('.bubble.user').filter({ hasText: 'second, on Cloud' }).waitFor();
    assert.deepEqual(await page.locator('.turn .status-line > span:not(.codicon)').allInnerTexts(), ['Completed', 'Failed: Cloud executors are unavailable right now']);

    // Retry, with an executor back in the pool: the refused turn gives way to one that runs.
    const pool2 = await device(operator, 'pool-y', { mode: 'cloud' });
    await page.locator('.turn').last().getByRole('button', { name: 'Retry' }).click();
    const retried = await pool2.waitForExecute(1, 60_000);
    assert.equal(retried.prompt, 'second, on Cloud');
    assert.equal(retried.task_id, first.task_id, 'the retry continues the same conversation');
    await pool2.complete(retried.subtask_id, { result: 'ran' });
    await lastStatus(page).filter({ hasText: 'Completed' }).waitFor();
    assert.equal(await page.locator('.turn').count(), 2, 'the refused turn was replaced, not duplicated');
    pool2.close();
  });

  it('follows the newest content unless scrolled up ("Jump to latest"); sending jumps down; the live region is plain and cleared', async () => {
    const user = await createUser(stack.backend);
    const dev = await device(user, 'follow-dev');
    const c = await openChat(stack, { height: 500 });
    open.push(c);
    const { page } = c;
    await signIn(page, user);
    const live = page.locator('[aria-live="polite"]');
    const box = page.locator('.transcript');
    const atBottom = () => box.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 40);

    await sendMessage(page, 'a long answer please');
    const first = await dev.waitForExecute(1, 60_000);
    for (let i = 1; i <= 30; i++) await dev.text(first.subtask_id, `Line **${i}** of the answer.\n\n`);
    await page.getByText('Line 30 of the answer.').waitFor();
    await waitFor(atBottom, { message: 'the streaming reply ran off-screen' });
    await dev.complete(first.subtask_id, { result: 'ok' });
    await live.filter({ hasText: 'Reply finished: Line 1 of the answer. Line 2' }).waitFor();
    assert.doesNotMatch(await live.innerText(), /\*\*/, 'the live region carries markdown');

    // Scrolled up to read: new output does not pull the view down; a button offers the way back.
    await sendMessage(page, 'more');
    const second = await dev.waitForExecute(2, 60_000);
    await waitFor(async () => (await live.innerText()) === '', { message: 'the previous reply lingers in the live region' });
    await box.evaluate((el) => el.scrollTo({ top: 0 }));
    const jump = page.getByRole('button', { name: 'Jump to latest' });
    await jump.waitFor();
    for (let i = 1; i <= 10; i++) await dev.text(second.subtask_id, `More ${i}.\n\n`);
    await page.getByText('More 10.').waitFor();
    assert.equal(await box.evaluate((el) => el.scrollTop), 0, 'the view moved while the user read');
    await screenshot(page, 'chat-jump-to-latest');
    await jump.click();
    assert.equal(await atBottom(), true);
    await jump.waitFor({ state: 'detached' });

    // Sending while scrolled up jumps down to the new message.
    await page.getByRole('button', { name: 'Stop' }).click();
    await waitFor(() => dev.cancels.some((x) => x.subtask_id === second.subtask_id), { message: 'no task:cancel' });
    await dev.complete(second.subtask_id, { status: 'cancelled' });
    await live.filter({ hasText: 'Reply stopped.' }).waitFor();
    await box.evaluate((el) => el.scrollTo({ top: 0 }));
    await jump.waitFor();
    await sendMessage(page, 'the third one');
    await page.locator('.bubble.user').filter({ hasText: 'the third one' }).waitFor();
    await waitFor(atBottom, { message: 'sending while scrolled up did not jump down' });
    assert.equal(await page.locator('.bubble.user').filter({ hasText: 'the third one' }).isVisible(), true);
  });
});
