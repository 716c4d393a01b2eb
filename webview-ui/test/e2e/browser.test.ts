// The chat page in real Chromium against a real backend and Redis, with a protocol-level test
// device: everything a user does in the browser host, start to finish.
import assert from 'node:assert/strict';
import { api, TestChat, TestDevice } from '../../../test/support/clients';
import { createUser, type TestUser } from '../../../test/support/backend';
import {
  lastStatus, openChat, openPicker, pickerRow, pickerTrigger, screenshot, sendMessage, signIn, startStack,
  waitFor, type ChatPage, type Stack,
} from './harness';

const MAC = 'Darwin - MacBook-Pro.local';

describe('chat page in Chromium (browser host, real backend)', function () {
  this.timeout(300_000);
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
    for (const d of devices.splice(0)) d.close();
    for (const c of open.splice(0)) {
      if (this.currentTest?.state === 'failed') await screenshot(c.page, `failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => {});
      await c.close();
    }
  });

  const chat = async (opts?: Parameters<typeof openChat>[1]) => {
    const c = await openChat(stack, opts);
    open.push(c);
    return c;
  };
  const device = async (user: TestUser, deviceId: string, name = MAC, extra: Partial<Parameters<typeof TestDevice.connect>[0]> = {}) => {
    const d = await TestDevice.connect({ url: stack.backend.url, token: user.token, deviceId, name, ...extra });
    devices.push(d);
    return d;
  };
  /** Signs a fresh user in with one online device picked in the picker. */
  const signedInWithDevice = async (deviceId: string) => {
    const user = await createUser(stack.backend);
    const dev = await device(user, deviceId);
    const c = await chat();
    await signIn(c.page, user);
    await openPicker(c.page);
    await pickerRow(c.page, deviceId).locator('.picker-choice').click();
    await waitFor(async () => (await pickerTrigger(c.page).getAttribute('aria-label'))?.includes(MAC));
    return { user, dev, c, page: c.page };
  };
  /** The subtask the device received last (the UI's message reached it). */
  const nextExecute = (dev: TestDevice, n: number) => dev.waitForExecute(n, 60_000);

  it('signs in (and refuses a wrong password in words), then generates, lists and revokes an API token', async () => {
    const user = await createUser(stack.backend);
    const { page, errors, cspViolations } = await chat({ permissions: ['clipboard-read', 'clipboard-write'] });
    await screenshot(page, 'signin');
    await page.getByLabel('Username').fill(user.username);
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    // A password form speaks of the password (not "token").
    await page.getByRole('alert').filter({ hasText: 'Wrong username or password.' }).waitFor();
    await signIn(page, user);
    // The session token lives in sessionStorage, never localStorage.
    assert.equal(await page.evaluate(() => localStorage.length), 0);
    assert.ok(await page.evaluate(() => sessionStorage.getItem('wegent.session')));

    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByText(`Signed in as ${user.username}`).waitFor();
    await page.getByLabel('Token name').fill('laptop');
    await page.getByRole('button', { name: 'Generate' }).click();
    const shown = page.locator('.new-token .token-value');
    await shown.waitFor();
    const token = await shown.inputValue();
    await page.locator('.new-token').getByText(/^Expires /).waitFor();
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token);
    await screenshot(page, 'settings-token-generated');

    // The token shown once really is a working API token: a device connects with it.
    const dev = await TestDevice.connect({ url: stack.backend.url, token, deviceId: 'token-dev', name: 'Linux - token-box' });
    devices.push(dev);
    // Reopening Settings lists the token with the device using it; revoking asks first and names it.
    await page.getByRole('button', { name: 'Settings' }).click(); // back to the chat
    await page.getByRole('button', { name: 'Settings' }).click();
    const listed = page.locator('.token-item').filter({ hasText: 'laptop' });
    await listed.waitFor();
    await listed.getByRole('button', { name: /Revoke token laptop/ }).click();
    const confirm = listed.getByRole('alertdialog');
    await confirm.getByText(/These devices use it and will be disconnected until they get a new token: Linux - token-box\./).waitFor();
    await screenshot(page, 'settings-revoke-confirm');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    assert.equal(await listed.count(), 1, 'Cancel revokes nothing');
    await listed.getByRole('button', { name: /Revoke token laptop/ }).click();
    await confirm.getByRole('button', { name: 'Revoke' }).click();
    await listed.waitFor({ state: 'detached' });
    await waitFor(() => !dev.connected, { message: 'the device using the revoked token stayed connected' });
    await waitFor(async () => (await api(stack.backend.url, 'GET', '/api/me', { token })).status === 401, { message: 'revoked token still accepted' });
    assert.equal(await page.locator('.new-token').count(), 0, 'the revoked token is no longer on screen');

    const session = (await page.evaluate(() => sessionStorage.getItem('wegent.session')))!;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Wegent' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('wegent.session')), null);
    // Signing out ends the session on the backend too: the token that was in the tab is revoked.
    const after = await waitFor(async () => {
      const me = await api(stack.backend.url, 'GET', '/api/me', { token: session });
      return me.status === 401 ? me : null;
    }, { message: 'the signed-out session token is still accepted' });
    assert.equal(after.body.error.code, 'AUTH_REVOKED');
    assert.deepEqual(errors, []);
    assert.deepEqual(cspViolations, []);
  });

  it('lets the page connect to its own backend only (CSP connect-src), over HTTP and WebSocket', async () => {
    const user = await createUser(stack.backend);
    const { page, cspViolations } = await chat();
    await signIn(page, user);
    await page.evaluate(() => {
      try {
        new WebSocket('ws://127.0.0.2:9/elsewhere');
      } catch {
        /* refused: the violation is what counts */
      }
      void fetch('http://127.0.0.2:9/elsewhere').catch(() => {});
    });
    await waitFor(() => cspViolations.length >= 2, { message: `CSP let the page reach another host: ${JSON.stringify(cspViolations)}` });
    assert.deepEqual(cspViolations.sort(), ['connect-src http://127.0.0.2:9/elsewhere', 'connect-src ws://127.0.0.2:9/elsewhere']);
  });

  it('shows a device online with 0/5 live, sends with Enter, streams the reply with markdown and tool cards', async () => {
    const user = await createUser(stack.backend);
    const { page, errors, cspViolations } = await chat();
    await signIn(page, user);
    await openPicker(page);
    assert.equal(await page.locator('.picker-row').first().innerText().then((t) => t.includes('Cloud')), true, 'Cloud comes first');
    // A device that connects while the page is open appears without a reload (device:status).
    const dev = await device(user, 'mac-1');
    const row = pickerRow(page, 'mac-1');
    await row.waitFor();
    assert.match(await row.innerText(), /Darwin - MacBook-Pro\.local[\s\S]*0\/5/);
    assert.equal(await row.locator('.device-status-online').count(), 1);
    await screenshot(page, 'picker-online');
    await row.locator('.picker-choice').click();

    // Shift+Enter is a new line, Enter sends.
    const box = page.getByLabel('Message');
    await box.fill('first line');
    await box.press('Shift+Enter');
    await box.type('second line');
    await box.press('Enter');
    const exec = await nextExecute(dev, 1);
    assert.equal(exec.prompt, 'first line\nsecond line');
    await lastStatus(page).filter({ hasText: `Running on "${MAC}"` }).waitFor();

    await dev.text(exec.subtask_id, 'Hello ');
    await page.locator('.turn .markdown').filter({ hasText: 'Hello' }).waitFor();
    await dev.text(exec.subtask_id, '**world**.\n\n');
    await page.locator('.turn .markdown strong').filter({ hasText: 'world' }).waitFor();
    await dev.progress(exec.subtask_id, [{ type: 'tool_use', id: 'tu1', name: 'Write', input: { file_path: 'notes.txt', content: 'hi' } }]);
    // Folded, a tool card says what it touches and how it stands, in words.
    const card = page.locator('.tool-card[data-tool="Write"]');
    await card.locator('summary').filter({ hasText: 'notes.txt' }).getByText('running…').waitFor();
    await dev.progress(exec.subtask_id, [
      { type: 'tool_result', tool_use_id: 'tu1', is_error: false, text: 'File created: notes.txt' },
      { type: 'tool_use', id: 'tu2', name: 'Edit', input: { file_path: 'notes.txt', old_string: 'hi', new_string: 'hello' } },
      { type: 'tool_result', tool_use_id: 'tu2', is_error: false, text: 'edited' },
      { type: 'tool_use', id: 'tu3', name: 'Bash', input: { command: 'cat notes.txt', description: 'Show the file' } },
      { type: 'tool_result', tool_use_id: 'tu3', is_error: true, text: 'cat: permission denied' },
      { type: 'text', text: 'Done: `notes.txt` written.' },
    ]);
    await card.locator('summary').getByText('done').waitFor();
    await card.locator('summary').click();
    await card.getByText('File created: notes.txt').waitFor();
    // Opened: Write is the new file's lines, Edit a diff-like view, Bash its command — not raw JSON.
    assert.deepEqual(await card.locator('.diff-add').allInnerTexts(), ['+hi']);
    const edit = page.locator('.tool-card[data-tool="Edit"]');
    await edit.locator('summary').click();
    assert.deepEqual(await edit.locator('.diff-line').allInnerTexts(), ['-hi', '+hello']);
    const bash = page.locator('.tool-card[data-tool="Bash"]');
    assert.match(await bash.locator('summary').innerText(), /Bash\s+cat notes\.txt\s+failed/);
    await bash.locator('summary').click();
    assert.equal(await bash.locator('.tool-command').innerText(), '$ cat notes.txt');
    assert.equal(await page.locator('.tool-card pre').filter({ hasText: '"file_path"' }).count(), 0, 'a tool input shown as JSON');
    await dev.complete(exec.subtask_id, { result: 'Done' });
    await lastStatus(page).filter({ hasText: 'Completed' }).waitFor();
    // Screen readers hear the finished reply.
    await page.locator('[aria-live="polite"]').filter({ hasText: 'Reply finished' }).waitFor();
    await screenshot(page, 'chat-streamed');

    // History lists it; reopening shows the same conversation, and a follow-up continues it.
    await page.getByRole('button', { name: 'New conversation' }).click();
    await page.getByText('Send a message to run a task').waitFor();
    await page.getByRole('button', { name: 'Conversation history' }).click();
    await page.getByRole('button', { name: /Open conversation "first line/ }).waitFor();
    await screenshot(page, 'history');
    await page.getByRole('button', { name: /Open conversation "first line/ }).click();
    await page.locator('.turn .markdown strong').filter({ hasText: 'world' }).waitFor();
    await sendMessage(page, 'and now a follow-up');
    const follow = await nextExecute(dev, 2);
    assert.equal(follow.task_id, exec.task_id, 'the follow-up continues the same conversation');
    await dev.complete(follow.subtask_id, { result: 'ok' });
    await lastStatus(page).filter({ hasText: 'Completed' }).waitFor();
    assert.deepEqual(errors, []);
    assert.deepEqual(cspViolations, []);
  });

  it('shows busy at 5/5 and "Queued #1" for the sixth message, which runs when a slot frees', async () => {
    const { user, dev, page } = await signedInWithDevice('mac-busy');
    const side = await TestChat.connect({ url: stack.backend.url, token: user.token });
    try {
      const five = [];
      for (let i = 0; i < 5; i++) five.push(await side.sendOk({ device_id: 'mac-busy', message: `job ${i}` }));
      await waitFor(() => dev.running.size === 5, { message: 'device never ran 5 tasks' });
      await waitFor(async () => /5\/5/.test(await pickerTrigger(page).innerText()), { message: 'picker never showed 5/5' });
      await openPicker(page);
      const row = pickerRow(page, 'mac-busy');
      await row.locator('.device-status-busy').waitFor();
      assert.match(await row.innerText(), /5\/5/);
      await screenshot(page, 'picker-busy');
      await page.keyboard.press('Escape');

      await sendMessage(page, 'the sixth');
      await lastStatus(page).filter({ hasText: 'Queued #1' }).waitFor();
      await screenshot(page, 'chat-queued');
      await dev.complete(five[0].subtask_id, { result: 'ok' });
      const sixth = await nextExecute(dev, 6);
      assert.equal(sixth.prompt, 'the sixth');
      await lastStatus(page).filter({ hasText: 'Running on' }).waitFor();
      await dev.text(sixth.subtask_id, 'sixth ran');
      await dev.complete(sixth.subtask_id, { result: 'sixth ran' });
      await lastStatus(page).filter({ hasText: 'Completed' }).waitFor();
    } finally {
      side.close();
    }
  });

  it('stars a default (pre-selected in a new conversation) and unstars it', async () => {
    const user = await createUser(stack.backend);
    await device(user, 'mac-star');
    await device(user, 'pc-star', 'Linux - pc-star'); // two devices and no default: nothing to guess
    const { page } = await chat();
    await signIn(page, user);
    assert.match((await pickerTrigger(page).getAttribute('aria-label')) ?? '', /Run on: Cloud/);
    await openPicker(page);
    const star = pickerRow(page, 'mac-star').getByRole('button', { name: /Make .* the default device/ });
    await star.click();
    const unstar = pickerRow(page, 'mac-star').getByRole('button', { name: /Stop using .* as the default device/ });
    await waitFor(async () => (await unstar.getAttribute('aria-pressed')) === 'true');
    const listed = await api(stack.backend.url, 'GET', '/api/devices', { token: user.token });
    assert.equal(listed.body.devices.find((d: { device_id: string }) => d.device_id === 'mac-star').is_default, true);
    await screenshot(page, 'picker-default');
    await page.keyboard.press('Escape');

    // A new conversation (and a fresh page) pre-selects the default.
    await page.getByRole('button', { name: 'New conversation' }).click();
    assert.match((await pickerTrigger(page).getAttribute('aria-label')) ?? '', new RegExp(`Run on: ${MAC}`));
    await page.reload();
    await page.locator('.connection-connected').waitFor();
    await waitFor(async () => (await pickerTrigger(page).getAttribute('aria-label'))?.includes(MAC), { message: 'default not pre-selected after reload' });

    await openPicker(page);
    await pickerRow(page, 'mac-star').getByRole('button', { name: /Stop using .* as the default device/ }).click();
    await pickerRow(page, 'mac-star').getByRole('button', { name: /Make .* the default device/ }).waitFor();
    const after = await api(stack.backend.url, 'GET', '/api/devices', { token: user.token });
    assert.equal(after.body.devices.some((d: { is_default: boolean }) => d.is_default), false);
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'New conversation' }).click();
    assert.match((await pickerTrigger(page).getAttribute('aria-label')) ?? '', /Run on: Cloud/);
  });

  it('deletes a device after a confirmation that explains re-registration', async () => {
    const user = await createUser(stack.backend);
    const dev = await device(user, 'old-box', 'Linux - old-box');
    dev.close(); // a stopped executor: deleting it removes it for good
    const { page } = await chat();
    await signIn(page, user);
    await openPicker(page);
    const row = pickerRow(page, 'old-box');
    await row.locator('.device-status-offline').waitFor();
    await row.getByRole('button', { name: 'Delete Linux - old-box' }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.getByText(/registers again when it reconnects/).waitFor();
    await screenshot(page, 'picker-delete-confirm');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await row.waitFor({ state: 'detached' });
    // The clean goodbye above is still being processed (offline at once, monitor pass): wait for the
    // backend to settle rather than read it once.
    await waitFor(async () => (await api(stack.backend.url, 'GET', '/api/devices', { token: user.token })).body.devices.length === 0, { message: 'device still listed after delete', timeout: 10_000 });
    const listed = await api(stack.backend.url, 'GET', '/api/devices', { token: user.token });
    assert.deepEqual(listed.body.devices, []);
  });

  it('stops a running task with Stop', async () => {
    const { dev, page } = await signedInWithDevice('mac-stop');
    await sendMessage(page, 'a long job');
    const exec = await nextExecute(dev, 1);
    await dev.text(exec.subtask_id, 'working…');
    await page.getByText('working…').waitFor();
    await page.getByRole('button', { name: 'Stop' }).click();
    await waitFor(() => dev.cancels.some((c) => c.subtask_id === exec.subtask_id), { message: 'the device never got task:cancel' });
    await dev.complete(exec.subtask_id, { status: 'cancelled' });
    await lastStatus(page).filter({ hasText: 'Stopped' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Stop' }).count(), 0);
  });

  it('a killed device shows "connection lost" at once, then fails its task "Device offline" and greys out in the picker', async () => {
    const { dev, page } = await signedInWithDevice('mac-kill');
    await sendMessage(page, 'run until the power goes');
    const exec = await nextExecute(dev, 1);
    await dev.text(exec.subtask_id, 'halfway');
    await page.getByText('halfway').waitFor();
    dev.drop();
    // At once, long before the TTL: the composer says so and takes no new message for it.
    await page.getByText(/lost its connection .*may come back until/).waitFor();
    await lastStatus(page).filter({ hasText: /connection lost, it may come back until/ }).waitFor();
    await pickerTrigger(page).locator('.picker-state', { hasText: 'connection lost' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Send' }).isDisabled(), true);
    await openPicker(page);
    await pickerRow(page, 'mac-kill').locator('.picker-lost', { hasText: 'connection lost' }).waitFor();
    await screenshot(page, 'chat-device-lost');
    await page.keyboard.press('Escape');
    await lastStatus(page).filter({ hasText: 'Failed: Device offline' }).waitFor();
    await openPicker(page);
    const row = pickerRow(page, 'mac-kill');
    await row.locator('.device-status-offline').waitFor();
    assert.equal(await row.locator('.picker-choice').isDisabled(), true, 'an offline device cannot be chosen');
    await screenshot(page, 'chat-device-killed');
    await page.keyboard.press('Escape');
    assert.equal(await page.getByRole('button', { name: 'Send' }).isDisabled(), true);
    await page.getByText(/is offline: pick another device/).waitFor();
  });

  it('renders hostile model output inert', async () => {
    const { dev, page, c } = await signedInWithDevice('mac-xss');
    await sendMessage(page, 'show me something nasty');
    const exec = await nextExecute(dev, 1);
    await dev.text(exec.subtask_id, [
      'Here: <img src="x" onerror="window.__xss=1"> <script>window.__xss=2</script>',
      '[click me](javascript:window.__xss=3) <a href="javascript:window.__xss=4">or me</a>',
      '<svg onload="window.__xss=5"></svg><iframe srcdoc="<script>parent.__xss=6</script>"></iframe>',
      '<p style="position:fixed;inset:0" onmouseover="window.__xss=7">cover</p> <form action="https://evil.example"><button>go</button></form>',
    ].join('\n\n'));
    await dev.complete(exec.subtask_id, { result: 'x' });
    await lastStatus(page).filter({ hasText: 'Completed' }).waitFor();
    const md = page.locator('.turn .markdown');
    await md.getByText('click me').click();
    await md.getByText('or me').click();
    await md.getByText('cover').hover();
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined, 'a payload ran');
    const unsafe = await md.evaluateAll((els) =>
      els.flatMap((el) => [...el.querySelectorAll('*')].flatMap((n) => [
        ...(['SCRIPT', 'IFRAME', 'SVG', 'FORM', 'BUTTON', 'svg'].includes(n.tagName) ? [n.tagName] : []),
        ...n.getAttributeNames().filter((a) => /^on|^style$|^srcdoc$/i.test(a)).map((a) => `${n.tagName}@${a}`),
        ...(/^\s*javascript:/i.test(n.getAttribute('href') ?? '') ? [`${n.tagName}@href=javascript`] : []),
      ])),
    );
    assert.deepEqual(unsafe, []);
    assert.equal(page.url(), stack.backend.url + '/', 'no navigation happened');
    await screenshot(page, 'chat-xss-inert');
    assert.deepEqual(c.errors, []);
    // Chromium reports the hostile attributes when DOMPurify parses them into its inert document;
    // those refusals (and only those) are expected: the CSP is the second lock on the door.
    assert.deepEqual(c.cspViolations.filter((v) => !/^(script|style)-src-attr inline$/.test(v)), []);
  });

  it('a page reload mid-stream resumes the reply without gaps or duplicates', async () => {
    const { dev, page } = await signedInWithDevice('mac-resume');
    await sendMessage(page, 'count for me');
    const exec = await nextExecute(dev, 1);
    for (let i = 1; i <= 3; i++) await dev.text(exec.subtask_id, `[${i}]`);
    await page.getByText('[1][2][3]').waitFor();
    // The page goes away while the device keeps streaming, then comes back.
    await page.goto('about:blank');
    for (let i = 4; i <= 6; i++) await dev.text(exec.subtask_id, `[${i}]`);
    await page.goto(stack.backend.url + '/');
    await page.locator('.connection-connected').waitFor();
    await page.getByText('[1][2][3][4][5][6]').waitFor();
    for (let i = 7; i <= 8; i++) await dev.text(exec.subtask_id, `[${i}]`);
    await dev.complete(exec.subtask_id, { result: 'counted' });
    await lastStatus(page).filter({ hasText: 'Completed' }).waitFor();
    assert.equal(await page.locator('.turn .markdown').innerText(), '[1][2][3][4][5][6][7][8]');
    assert.equal(await page.locator('.turn').count(), 1);
  });

  it('works by keyboard alone, with a name on every control', async () => {
    const { page } = await signedInWithDevice('mac-keys');
    await page.getByRole('button', { name: 'New conversation' }).click(); // the only online device again
    await page.getByLabel('Message').focus();
    // Tab on to the picker, past the composer's controls (attach, @, model, mode, Send).
    const focused = (sel: string) => page.evaluate((q) => !!document.activeElement?.matches(q), sel);
    for (let i = 0; i < 15 && !(await focused('.picker-trigger')); i++) await page.keyboard.press('Tab');
    assert.ok(await focused('.picker-trigger'), 'Tab never reached the device picker');
    await page.keyboard.press('Enter');
    await page.locator('.picker-panel').waitFor();
    await waitFor(() => page.evaluate(() => !!document.activeElement?.closest('.picker-panel')), { message: 'focus never moved into the picker' });
    const focusedRow = () => page.evaluate(() => document.activeElement?.closest('.picker-row')?.getAttribute('data-device-id'));
    assert.equal(await focusedRow(), 'mac-keys', 'focus starts on the chosen entry');
    await page.keyboard.press('ArrowUp');
    assert.equal(await focusedRow(), 'cloud');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.locator('.picker-panel').waitFor({ state: 'detached' });
    assert.match((await pickerTrigger(page).getAttribute('aria-label')) ?? '', new RegExp(`Run on: ${MAC}`));
    assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('picker-trigger')), true, 'focus returns to the picker');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Escape');
    await page.locator('.picker-panel').waitFor({ state: 'detached' });
    for (let i = 0; i < 5 && !(await focused('textarea')); i++) await page.keyboard.press('Shift+Tab');
    await page.keyboard.type('typed without a mouse');
    await page.keyboard.press('Enter');
    await page.locator('.bubble.user').filter({ hasText: 'typed without a mouse' }).waitFor();

    await openPicker(page);
    for (const view of ['chat', 'Conversation history', 'Settings']) {
      if (view !== 'chat') await page.getByRole('button', { name: view }).click();
      const unnamed = await page.evaluate(() =>
        [...document.querySelectorAll('button, input, textarea, select, [role="button"]')]
          .filter((el) => {
            if (el.getAttribute('aria-hidden') === 'true') return false; // not for assistive tech (the attach button opens it)
            const labelled = el.getAttribute('aria-label') || (el as HTMLInputElement).labels?.length || el.getAttribute('aria-labelledby');
            return !labelled && !(el.textContent ?? '').trim();
          })
          .map((el) => el.outerHTML.slice(0, 120)),
      );
      assert.deepEqual(unnamed, [], `unlabelled controls in ${view}`);
    }
  });

  it('shows each user only their own devices and streams', async () => {
    const a = await signedInWithDevice('alice-box');
    const bob = await createUser(stack.backend);
    await device(bob, 'bob-box', 'Linux - bob-box');
    const b = await chat();
    await signIn(b.page, bob);
    await openPicker(b.page);
    await pickerRow(b.page, 'bob-box').waitFor();
    assert.equal(await pickerRow(b.page, 'alice-box').count(), 0);
    await b.page.keyboard.press('Escape');
    await sendMessage(a.page, 'private to alice');
    const exec = await nextExecute(a.dev, 1);
    await a.dev.text(exec.subtask_id, 'alice secret');
    await a.dev.complete(exec.subtask_id, { result: 'x' });
    await lastStatus(a.page).filter({ hasText: 'Completed' }).waitFor();
    await b.page.getByRole('button', { name: 'Conversation history' }).click();
    await b.page.getByText('No conversations yet.').waitFor();
    assert.equal(await b.page.getByText('alice secret').count(), 0);
    await openPicker(a.page);
    assert.equal(await pickerRow(a.page, 'bob-box').count(), 0);
  });

  it('a backend restart mid-stream: the page reconnects by itself and resumes without gaps or duplicates', async () => {
    const { dev, page } = await signedInWithDevice('mac-restart');
    await sendMessage(page, 'survive a restart');
    const exec = await nextExecute(dev, 1);
    await dev.text(exec.subtask_id, 'x1;');
    await dev.text(exec.subtask_id, 'x2;');
    await page.getByText('x1;x2;').waitFor();
    await stack.backend.restart();
    // The device reconnects and reclaims its task (running_task_ids), then streams on.
    await waitFor(async () => dev.connected && (await dev.text(exec.subtask_id, 'x3;')).ok, { message: 'device could not stream after the restart' });
    await dev.text(exec.subtask_id, 'x4;');
    await page.locator('.connection-connected').waitFor();
    await dev.complete(exec.subtask_id, { result: 'done' });
    await lastStatus(page).filter({ hasText: 'Completed' }).waitFor();
    assert.equal(await page.locator('.turn .markdown').innerText(), 'x1;x2;x3;x4;');
  });

  it('a chunk lost in transit is recovered with chat:resume, in order and once', async () => {
    const user = await createUser(stack.backend);
    const dev = await device(user, 'mac-lossy');
    const c = await chat();
    const { page, context } = c;
    // Sit between the page and the backend on the WebSocket and lose the chunk with seq 2.
    let lost = 0;
    await context.routeWebSocket(/\/socket\.io\//, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((m) => server.send(m));
      server.onMessage((m) => {
        if (typeof m === 'string' && m.includes('"chat:chunk"') && /"seq":2[,}]/.test(m) && lost === 0) {
          lost++;
          return;
        }
        ws.send(m);
      });
    });
    await page.reload();
    await signIn(page, user);
    await openPicker(page);
    await pickerRow(page, 'mac-lossy').locator('.picker-choice').click();
    await sendMessage(page, 'over a lossy line');
    const exec = await nextExecute(dev, 1);
    await waitFor(async () => (await page.evaluate(() => document.querySelector('.turn')?.getAttribute('data-subtask-id'))) === exec.subtask_id);
    for (const part of ['one;', 'two;', 'three;']) await dev.text(exec.subtask_id, part);
    await page.getByText('one;two;three;').waitFor();
    assert.equal(lost, 1, 'the chunk with seq 2 was not dropped: the test did not test the gap');
    await dev.complete(exec.subtask_id, { result: 'ok' });
    await lastStatus(page).filter({ hasText: 'Completed' }).waitFor();
    assert.equal(await page.locator('.turn .markdown').innerText(), 'one;two;three;');
  });

  it('picks what the user means: the default (kept while offline), Cloud only with executors, else the only online device', async () => {
    const user = await createUser(stack.backend);
    const { page } = await chat();
    await signIn(page, user);
    // No device and an empty pool: Cloud is chosen, marked unavailable, and Send says why it is off.
    assert.match((await pickerTrigger(page).getAttribute('aria-label')) ?? '', /Run on: Cloud/);
    await page.getByText('No cloud executor is online right now. Connect a device').waitFor();
    await page.getByLabel('Message').fill('anyone there?');
    assert.equal(await page.getByRole('button', { name: 'Send' }).isDisabled(), true);

    // One device comes online: with no default and no pool, it is the only sensible choice.
    await device(user, 'pick-a', 'Linux - pick-a');
    await waitFor(async () => (await pickerTrigger(page).getAttribute('aria-label'))?.includes('Linux - pick-a'), { message: 'the only online device was not pre-selected' });
    // Two: no guess; Cloud (unavailable) until the user picks.
    await device(user, 'pick-b', 'Linux - pick-b');
    await waitFor(async () => /Run on: Cloud/.test((await pickerTrigger(page).getAttribute('aria-label')) ?? ''), { message: 'two devices: Cloud expected' });
    await openPicker(page);
    await pickerRow(page, 'cloud').getByText('unavailable: no cloud executor is online').waitFor();
    await screenshot(page, 'picker-cloud-unavailable');
    await page.keyboard.press('Escape');

    // An operator's cloud executor joins the pool: opening the picker looks again, Cloud is usable.
    const operator = await createUser(stack.backend, { role: 'operator' });
    const pool = await device(operator, 'pool-1', 'Linux - pool-1', { mode: 'cloud' });
    await openPicker(page);
    await pickerRow(page, 'cloud').getByText('Server-side executors').waitFor();
    await page.keyboard.press('Escape');
    await page.getByText(/No cloud executor is online/).waitFor({ state: 'detached' });
    assert.equal(await page.getByRole('button', { name: 'Send' }).isDisabled(), false);
    pool.close();

    // A default is pre-selected, and when it goes offline it stays chosen, with the reason shown.
    await openPicker(page);
    await pickerRow(page, 'pick-a').getByRole('button', { name: /Make .* the default device/ }).click();
    await pickerRow(page, 'pick-a').getByRole('button', { name: /Stop using .* as the default device/ }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'New conversation' }).click();
    assert.match((await pickerTrigger(page).getAttribute('aria-label')) ?? '', /Run on: Linux - pick-a/);
    devices.find((d) => d.deviceId === 'pick-a')!.close();
    await page.getByText('Linux - pick-a is offline: pick another device.').waitFor();
    assert.match((await pickerTrigger(page).getAttribute('aria-label')) ?? '', /Run on: Linux - pick-a/, 'no silent switch to Cloud');
    assert.equal(await page.getByRole('button', { name: 'Send' }).isDisabled(), true);
    await screenshot(page, 'picker-default-offline');
  });

  it('speaks 简体中文 when the browser does, and follows a dark colour scheme', async () => {
    const user = await createUser(stack.backend);
    await device(user, 'mac-zh');
    const { page } = await chat({ locale: 'zh-CN', colorScheme: 'dark' });
    await page.getByRole('heading', { name: '登录 Wegent' }).waitFor();
    await page.getByLabel('用户名').fill(user.username);
    await page.getByLabel('密码').fill(user.password);
    await page.getByRole('button', { name: '登录' }).click();
    await page.locator('.connection-connected').waitFor();
    await page.getByRole('button', { name: /^运行于:/ }).click();
    await pickerRow(page, 'mac-zh').getByText('0/5').waitFor();
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(bg, 'rgb(13, 17, 23)', 'dark theme background');
    await screenshot(page, 'zh-CN-dark-picker');
  });
});

