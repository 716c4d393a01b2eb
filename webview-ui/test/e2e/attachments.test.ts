// Attachments in the chat page, real Chromium against the real backend and Redis and a
// protocol-level device: the limits shown up front; pick, paste and drop; thumbnails; remove before
// sending; a wrong type refused in words; send; the device fetches the bytes the page uploaded;
// the transcript and history show name, size (and the thumbnail while this page has it).
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUser, REPO_ROOT } from '../../../test/support/backend';
import { TestDevice } from '../../../test/support/clients';
import { fetchAsDevice, png } from '../../../test/support/attachments';
import { SCREENSHOTS, lastStatus, openChat, openPicker, pickerRow, screenshot, sendMessage, signIn, startStack, waitFor, type ChatPage, type Stack } from './harness';

/** The screenshots docs/chat-ui.md shows, copied next to it when WEGENT_DOC_IMAGES=1. */
function docImage(name: string): void {
  if (process.env.WEGENT_DOC_IMAGES !== '1') return;
  const dir = join(REPO_ROOT, 'docs', 'images', 'chat');
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(SCREENSHOTS, `${name}.png`), join(dir, `${name}.png`));
}

describe('chat page in Chromium: attachments', function () {
  this.timeout(300_000);
  let stack: Stack;
  let chat: ChatPage | undefined;
  let dev: TestDevice | undefined;
  const folders: string[] = [];

  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    dev?.close();
    await chat?.close();
    await stack?.stop();
    for (const f of folders) rmSync(f, { recursive: true, force: true });
  });

  it('attaches by picking, pasting and dropping, shows thumbnails, removes one, sends; the device gets the bytes', async () => {
    const user = await createUser(stack.backend);
    dev = await TestDevice.connect({ url: stack.backend.url, token: user.token, deviceId: 'mac-attach', name: 'Darwin - MacBook-Pro.local' });
    chat = await openChat(stack);
    const { page, errors, cspViolations } = chat;
    await signIn(page, user);
    await openPicker(page);
    await pickerRow(page, 'mac-attach').locator('.picker-choice').click();

    // The limits, from shared/ ATTACHMENT_LIMITS, before anything is attached.
    await page.locator('#attach-limits').filter({ hasText: 'Up to 10 files, 25 MB in all' }).waitFor();
    const shot = png(48, [30, 120, 220]);
    // Picked from disk through the attach button's file chooser (paths: Playwright hands buffers
    // over by an eval, which the page's CSP refuses and reports).
    const folder = mkdtempSync(join(tmpdir(), 'wegent-ui-attach-'));
    writeFileSync(join(folder, 'screenshot.png'), shot);
    writeFileSync(join(folder, 'notes.txt'), 'remove me');
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Attach images or files' }).click();
    await (await chooser).setFiles([join(folder, 'screenshot.png'), join(folder, 'notes.txt')]);
    folders.push(folder); // read again when the message is sent
    const strip = page.locator('.attachment-strip .attachment-chip');
    await waitFor(async () => (await strip.count()) === 2);
    assert.match(String(await strip.first().locator('img.attachment-thumb').getAttribute('src')), /^data:image\/png;base64,/);
    await page.getByRole('button', { name: 'Remove notes.txt' }).click();
    await waitFor(async () => (await strip.count()) === 1);

    // Pasted (a screenshot from the clipboard) and dropped files take the same way.
    await page.evaluate(async () => {
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = 16;
      const g = canvas.getContext('2d')!;
      g.fillStyle = '#d22';
      g.fillRect(0, 0, 16, 16);
      const image = await new Promise<Blob>((resolve) => canvas.toBlob((b) => resolve(b!), 'image/png'));
      const paste = new DataTransfer();
      paste.items.add(new File([image], 'pasted.png', { type: 'image/png' }));
      document.getElementById('composer-input')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: paste, bubbles: true, cancelable: true }));
      const drop = new DataTransfer();
      drop.items.add(new File(['{"k": 1}\n'], 'data.json', { type: 'application/json' }));
      drop.items.add(new File(['<svg/>'], 'logo.svg', { type: 'image/svg+xml' }));
      document.querySelector('form.composer')!.dispatchEvent(new DragEvent('drop', { dataTransfer: drop, bubbles: true, cancelable: true }));
    });
    await waitFor(async () => (await strip.count()) === 3);
    await page.getByRole('alert').filter({ hasText: '"logo.svg" was not added: Claude reads PNG, JPEG, GIF and WebP images only.' }).waitFor();
    await page.getByLabel('Message').fill('What is on this screenshot?');
    await screenshot(page, 'attachments-composer');
    docImage('attachments-composer');

    await sendMessage(page, 'What is on this screenshot?');
    const exec = await dev.waitForExecute(1, 60_000);
    assert.deepEqual(exec.attachments?.map((a) => [a.name, a.kind]), [['screenshot.png', 'image'], ['pasted.png', 'image'], ['data.json', 'file']]);
    const got = await fetchAsDevice(stack.backend.url, user.token, exec.subtask_id, exec.attachments![0]);
    assert.ok(got.bytes.equals(shot), 'the device fetched the bytes the page uploaded');
    await waitFor(async () => (await strip.count()) === 0); // they went with the message

    const sent = page.locator('.turn').last().locator('.attachment-list.sent .attachment-chip');
    await waitFor(async () => (await sent.count()) === 3);
    assert.equal(await sent.locator('img.attachment-thumb').count(), 2, 'thumbnails for the two images');
    await dev.progress(exec.subtask_id, [{ type: 'text', text: 'A blue square, and a small red one.' }]);
    await dev.complete(exec.subtask_id, { result: 'A blue square, and a small red one.' });
    await lastStatus(page).filter({ hasText: 'Completed' }).waitFor();
    await screenshot(page, 'attachments-sent');
    docImage('attachments-sent');

    // History: the same names and sizes from the backend's metadata (the bytes are gone).
    await page.getByRole('button', { name: 'New conversation' }).click();
    await page.getByRole('button', { name: 'Conversation history' }).click();
    await page.getByRole('button', { name: /Open conversation "What is on this screenshot/ }).click();
    const stored = page.locator('.turn').last().locator('.attachment-list.sent .attachment-chip');
    await waitFor(async () => (await stored.count()) === 3);
    assert.match(await stored.nth(2).innerText(), /data\.json\s*9 B/);
    assert.deepEqual(errors, []);
    assert.deepEqual(cspViolations, []);
  });
});
