// What the device does on its own when things go wrong, in a real VS Code: the backend process dies
// and comes back (the harness stops and starts it through its control endpoint), and API tokens that
// expire before or while the device is connected. The user should have to do nothing in the first
// case, and should be told exactly what to do — without a reconnect loop — in the second.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { DeviceList } from '@wegent/shared';
import { api } from '../../../../test/support/clients';
import { delay, waitFor } from '../../../../test/support/wait';
import { control, metric, onlineSnapshot, setBackendUrl, testBackend, wegent } from './helpers';

const connect = () => vscode.commands.executeCommand<boolean>('wegent.connectDevice');
const ONLINE = '$(vm-active) Wegent 0/5';
const OFFLINE = '$(vm-outline) Wegent offline';
/** How long "no reconnect loop" is watched: several of the executor's 1 s first reconnect delays. */
const QUIET_WINDOW_MS = 5_000;

/** Refused connection attempts with an expired token, as the backend counts them. */
const expiredRefusals = () => metric(testBackend().url, 'wegent_auth_failures_total', 'code="AUTH_EXPIRED"');

/** A token of the harness's user that expires `ttlS` seconds from now. */
const shortLivedToken = (ttlS: number) => control<{ token: string }>(`/token?ttl_s=${ttlS}`).then((r) => r.token);

describe('Wegent device resilience (real backend process, real executor)', () => {
  before(async () => {
    await setBackendUrl(testBackend().url);
  });

  afterEach(async () => {
    const w = await wegent();
    await vscode.commands.executeCommand('wegent.disconnectDevice');
    await w.tokens.clear();
  });

  it('shows the device offline while the backend is down and back online when it returns, without any user action', async () => {
    const { url, token } = testBackend();
    const w = await wegent();
    await w.tokens.set(token);
    assert.equal(await connect(), true);
    const deviceId = (await onlineSnapshot(w)).deviceId;
    assert.equal(w.statusBar.text, ONLINE);
    await control('/backend/kill'); // SIGKILL: the network is gone, no goodbye
    try {
      await waitFor(() => w.statusBar.text === OFFLINE, { message: `status bar offline (was ${w.statusBar.text})`, timeout: 60_000 });
      assert.equal(w.controller.isRunning, true, 'the device keeps trying');
      // A notice for as long as the cause lasts (issue 20.4) …
      await waitFor(() => w.notices.isOpen('backend-unreachable'), { message: 'the "cannot reach the backend" notice', timeout: 60_000 });
      assert.ok(w.notices.shown.some((n) => n.message.includes(`cannot reach the backend at ${url}`)), 'it names the backend');
    } finally {
      await control('/backend/start');
    }
    await waitFor(() => w.statusBar.text === ONLINE, { message: `status bar online again (was ${w.statusBar.text})`, timeout: 90_000 });
    assert.equal(w.notices.isOpen('backend-unreachable'), false, '… and it closed itself when the device came back');
    await waitFor(async () => {
      const { body } = await api<DeviceList>(url, 'GET', '/api/devices', { token });
      return body.devices.find((d) => d.device_id === deviceId)?.status === 'online';
    }, { message: 'device online in the restarted backend', timeout: 30_000 });
  });

  it('refuses an expired token by asking for a new one (saying it expired), and makes no further connection attempts', async () => {
    const w = await wegent();
    const token = await shortLivedToken(1);
    // Wait until the backend itself calls it expired (not a fixed sleep).
    await waitFor(async () => (await api(testBackend().url, 'GET', '/api/me', { token })).status === 401, { message: 'token expired', timeout: 30_000 });
    const start = await expiredRefusals();
    await w.tokens.set(token);
    const connecting = connect();
    // Connect Device asks for another token at once, the box saying why (issue 20.1).
    const box = await waitFor(() => w.tokenPrompt.current, { message: 'asked for a new token', timeout: 30_000 });
    const why = typeof box.validationMessage === 'string' ? box.validationMessage : box.validationMessage?.message;
    assert.match(why ?? '', /expired.*run "Wegent: Set API Token"/i);
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal(await connecting, false);
    assert.equal(w.controller.isRunning, false);
    assert.equal(w.statusBar.text, '$(debug-disconnect) Wegent');
    // One-shot refusals are expected: the token check, and the sidebar chat (if open) trying the new
    // token once. The chat was already "signed out" from the previous test, so its status says nothing
    // yet: wait for its attempt to be counted, then for the count to settle, before the quiet window.
    const expected = start + (w.chatView.isResolved ? 2 : 1);
    await waitFor(async () => (await expiredRefusals()) >= expected, { message: `${expected - start} refusals counted`, timeout: 30_000 });
    if (w.chatView.isResolved) await waitFor(() => w.chatView.connectionStatus === 'signed-out', { message: `chat signed out (was ${w.chatView.connectionStatus})`, timeout: 30_000 });
    let last = await expiredRefusals();
    let stableSince = Date.now();
    await waitFor(async () => {
      const now = await expiredRefusals();
      if (now !== last) [last, stableSince] = [now, Date.now()];
      return Date.now() - stableSince >= 1_500;
    }, { message: 'refusal count settles', timeout: 30_000, interval: 250 });
    const before = await expiredRefusals();
    await delay(QUIET_WINDOW_MS);
    // A loop would add a refusal per reconnect delay (1 s, 2 s, …).
    assert.equal(await expiredRefusals(), before, 'no connection attempts with an expired token');
  });

  it('stops with "Set API Token" when the token expires while connected, and does not reconnect', async () => {
    const w = await wegent();
    const ttlS = 8; // long enough to pass the check and register on a loaded machine
    await w.tokens.set(await shortLivedToken(ttlS));
    assert.equal(await connect(), true);
    await onlineSnapshot(w);
    const noticesBefore = w.notices.shown.length;
    await waitFor(() => w.controller.snapshot?.state === 'error', { message: `error state after expiry (was ${w.controller.snapshot?.state})`, timeout: ttlS * 1000 + 30_000 });
    assert.equal(w.controller.snapshot?.error?.code, 'AUTH_EXPIRED');
    assert.equal(w.statusBar.text, '$(error) Wegent');
    const notice = await waitFor(() => w.notices.shown.slice(noticesBefore).find((n) => /expired/i.test(n.message)), { message: 'expiry notification', timeout: 10_000 });
    assert.ok(notice.actions.includes('Set API Token'), `actions: ${notice.actions.join(', ')}`);
    const refusals = await expiredRefusals();
    await delay(QUIET_WINDOW_MS);
    assert.equal(await expiredRefusals(), refusals, 'no connection attempts after the token expired');
    assert.equal(w.controller.snapshot?.state, 'error');
    assert.equal(await metric(testBackend().url, 'wegent_device_sockets'), 0, 'no device socket left on the backend');
  });
});
