// What the chat owes people who cannot rely on colour, on sharp eyes or on a mouse: statuses in
// words, text with WCAG AA contrast, finger-sized targets on a phone, and a screen-reader region
// that says what finished in plain words. Real Chromium, real backend, a protocol-level device.
import assert from 'node:assert/strict';
import { TestDevice } from '../../../test/support/clients';
import { createUser, type TestUser } from '../../../test/support/backend';
import { textContrast } from './contrast';
import { openChat, openPicker, pickerRow, pickerTrigger, screenshot, signIn, startStack, type ChatPage, type Stack } from './harness';

describe('chat accessibility in Chromium', function () {
  this.timeout(180_000);
  let stack: Stack;
  const open: ChatPage[] = [];
  const devices: TestDevice[] = [];

  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.stop();
  });
  afterEach(async () => {
    for (const c of open.splice(0)) await c.close();
    for (const d of devices.splice(0)) d.close();
  });

  const chat = async (opts?: Parameters<typeof openChat>[1]) => {
    const c = await openChat(stack, opts);
    open.push(c);
    return c;
  };
  const device = async (user: TestUser, deviceId: string, name: string) => {
    const d = await TestDevice.connect({ url: stack.backend.url, token: user.token, deviceId, name });
    devices.push(d);
    return d;
  };

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`writes each status as a word and keeps the offline hint readable (${colorScheme})`, async () => {
      const user = await createUser(stack.backend);
      const dev = await device(user, `a11y-${colorScheme}`, 'Linux - a11y');
      await device(user, `a11y-busy-${colorScheme}`, 'Linux - other');
      const { page } = await chat({ colorScheme });
      await signIn(page, user);
      await openPicker(page);
      const row = pickerRow(page, dev.deviceId);
      // The word is on screen, not only for screen readers.
      await row.locator('.picker-state').filter({ hasText: /^online$/ }).waitFor();
      assert.equal(await row.locator('.picker-state').isVisible(), true);
      await row.locator('.picker-choice').click();
      await pickerTrigger(page).locator('.picker-state').filter({ hasText: /^online$/ }).waitFor();

      dev.close();
      const hint = page.locator('.composer-hint');
      await hint.getByText('Linux - a11y is offline: pick another device.').waitFor();
      await pickerTrigger(page).locator('.picker-state').filter({ hasText: /^offline$/ }).waitFor();
      const text = await textContrast(hint.locator('span').last());
      assert.ok(text.ratio >= 4.5, `offline hint ${text.fg} on ${text.bg}: ${text.ratio.toFixed(2)}:1 < 4.5:1`);
      await openPicker(page);
      const offlineWord = await textContrast(row.locator('.picker-state'));
      assert.ok(offlineWord.ratio >= 4.5, `"offline" in the picker ${offlineWord.fg} on ${offlineWord.bg}: ${offlineWord.ratio.toFixed(2)}:1`);
      await screenshot(page, `a11y-offline-${colorScheme}`);
    });
  }

  it('gives every control a 44 px target on a phone', async () => {
    const user = await createUser(stack.backend);
    await device(user, 'a11y-phone', 'Linux - phone-test');
    const { page } = await chat({ phone: true, width: 390, height: 844 });
    await page.getByLabel('Username').waitFor();
    const small = async () =>
      page.evaluate(() =>
        [...document.querySelectorAll('button, input, textarea, select')]
          .filter((el) => (el as HTMLElement).offsetParent !== null)
          .map((el) => ({ el: el.getAttribute('aria-label') ?? el.textContent?.trim() ?? el.tagName, r: el.getBoundingClientRect() }))
          .filter(({ r }) => r.width < 44 || r.height < 44)
          .map(({ el, r }) => `${el} ${Math.round(r.width)}×${Math.round(r.height)}`),
      );
    assert.deepEqual(await small(), [], 'sign-in page');
    await signIn(page, user);
    await openPicker(page);
    await pickerRow(page, 'a11y-phone').waitFor();
    assert.deepEqual(await small(), [], 'chat with the picker open');
    await screenshot(page, 'a11y-phone-picker');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByLabel('Token name').waitFor();
    assert.deepEqual(await small(), [], 'settings');
  });
});
