// The sidebar chat in a real VS Code: the real webview (the webview-ui bundle) loads under its CSP,
// says ready, and talks to the backend only through the host; the host holds the socket and the
// token and forwards the user's live events.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { HostToWebview } from '@wegent/shared';
import { TestChat, TestDevice } from '../../../../test/support/clients';
import { waitFor } from '../../../../test/support/wait';
import { setBackendUrl, testBackend, wegent } from './helpers';

describe('the sidebar chat view (real webview, real backend)', () => {
  const posted: HostToWebview[] = [];
  let subscription: vscode.Disposable | undefined;
  let device: TestDevice | undefined;

  before(async () => {
    const w = await wegent();
    await setBackendUrl(testBackend().url);
    await w.tokens.set(testBackend().token);
    subscription = w.chatView.posted.event((m) => posted.push(m));
  });

  after(async () => {
    subscription?.dispose();
    device?.close();
    await (await wegent()).tokens.clear();
  });

  it('opens from "Wegent: Open Chat" and connects to /chat with the stored token', async () => {
    const w = await wegent();
    await vscode.commands.executeCommand('wegent.openChat');
    await waitFor(() => w.chatView.isResolved, { message: 'the webview view was resolved', timeout: 30_000 });
    await waitFor(() => w.chatView.connectionStatus === 'connected', { message: `chat connected (is ${w.chatView.connectionStatus})`, timeout: 30_000 });
    const init = await waitFor(() => posted.find((m) => m.type === 'init'), { message: 'init sent to the webview', timeout: 30_000 });
    assert.equal(init.type === 'init' && init.info.host, 'vscode');
    assert.equal(init.type === 'init' && init.info.backend_url, testBackend().url);
    assert.equal(init.type === 'init' && init.info.locale, vscode.env.language);
  });

  it('answers the real webview\'s device list request through the host', async () => {
    // The webview UI asks for GET /api/devices on start; its answer went back as httpResponse 200.
    const reply = await waitFor(
      () => posted.find((m) => m.type === 'httpResponse' && m.reply.status === 200 && Array.isArray((m.reply.body as { devices?: unknown[] })?.devices)), { message: 'a 200 device list relayed to the webview', timeout: 30_000 });
    assert.ok(reply);
  });

  it('forwards live device status pushes of this user to the webview', async () => {
    device = await TestDevice.connect({ url: testBackend().url, token: testBackend().token, deviceId: 'vscode-chatview-device', name: 'Linux - chat-view-test' });
    await waitFor(
      () => posted.find((m) => m.type === 'push' && m.event === 'device:status' && (m.payload as { device_id?: string }).device_id === 'vscode-chatview-device'), { message: 'device:status push for the new device', timeout: 30_000 });
  });

  it('a request of a task on another device is a VS Code notification here, naming the action and the task', async () => {
    const w = await wegent();
    assert.ok(device, 'the device of the previous test');
    device.startHeartbeats();
    const browser = await TestChat.connect({ url: testBackend().url, token: testBackend().token });
    try {
      const sent = await browser.sendOk({ device_id: 'vscode-chatview-device', message: 'Run the unit tests please', permission_mode: 'default' });
      await device.waitForExecute(sent.subtask_id);
      await device.progress(sent.subtask_id, [{ type: 'permission_request', request_id: 'req-1', tool_name: 'Bash', input: { command: 'npm test' } }]);
      const said = await waitFor(() => w.chatNotifications.messages.find((m) => m.includes('npm test')), { message: 'a notification for the request', timeout: 30_000 });
      assert.equal(said, 'Wegent: Claude wants to run: npm test (task "Run the unit tests please"). Answer in the chat.');
      await device.progress(sent.subtask_id, [{ type: 'permission_decision', request_id: 'req-1', decision: 'deny', by: 'timeout' }]);
      await device.complete(sent.subtask_id, { status: 'completed', result: 'ok' });
      await browser.waitForDone(sent.subtask_id);
      assert.equal(w.chatNotifications.messages.filter((m) => m.includes('npm test')).length, 1, 'once per request');
    } finally {
      device.stopHeartbeats();
      browser.close();
    }
  });

  it('never sends the token into the webview', async () => {
    const { token } = testBackend();
    assert.ok(posted.length > 0);
    for (const m of posted) assert.ok(!JSON.stringify(m).includes(token), `message ${m.type} carries the token`);
  });

  it('opens the same chat in an editor tab as well (Open Chat in Editor): its own live webview, following the token, gone when closed', async () => {
    const w = await wegent();
    await vscode.commands.executeCommand('wegent.openChatInEditor');
    const [panel, bridge] = await waitFor(() => [...w.chatView.panels][0], { message: 'an editor-tab chat', timeout: 30_000 });
    assert.equal(panel.viewType, 'wegent.chatEditor');
    const isChatTab = (tab: vscode.Tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('wegent.chatEditor');
    await waitFor(() => vscode.window.tabGroups.all.flatMap((g) => g.tabs).some(isChatTab), { message: 'shown as an editor tab', timeout: 30_000 });
    // 'connected' means the webview app loaded in the tab and said ready (the bridge starts on it).
    await waitFor(() => bridge.connectionStatus === 'connected', { message: `tab chat connected (is ${bridge.connectionStatus})`, timeout: 60_000 });
    assert.ok(w.chatView.isResolved, 'the sidebar chat is still there');
    await w.tokens.clear();
    await waitFor(() => bridge.connectionStatus === 'signed-out', { message: 'the tab follows Sign Out', timeout: 30_000 });
    await w.tokens.set(testBackend().token);
    await waitFor(() => bridge.connectionStatus === 'connected', { message: 'and a new token', timeout: 30_000 });
    panel.dispose();
    assert.equal(w.chatView.panels.size, 0);
  });

  it('Add Selection to Chat / Add File to Chat hand the lines or the file, by workspace path, to the chat', async () => {
    const w = await wegent();
    const folder = vscode.workspace.workspaceFolders![0]!.uri;
    const file = vscode.Uri.joinPath(folder, 'src', 'context-sample.ts');
    await vscode.workspace.fs.writeFile(file, Buffer.from('line one\nconst x = 1;\nconst y = 2;\nline four\n'));
    const editor = await vscode.window.showTextDocument(file);
    editor.selection = new vscode.Selection(1, 0, 3, 0); // lines 2–3, ending at the start of line 4
    const seen = posted.length;
    await vscode.commands.executeCommand('wegent.addSelectionToChat');
    await vscode.commands.executeCommand('wegent.addFileToChat', vscode.Uri.joinPath(folder, 'README.md'));
    const items = await waitFor(() => {
      const got = posted.slice(seen).filter((m) => m.type === 'context');
      return got.length === 2 ? got.map((m) => m.type === 'context' && m.item) : undefined;
    }, { message: 'two context items posted to the sidebar chat', timeout: 30_000 });
    assert.deepEqual(items, [
      { kind: 'selection', path: 'src/context-sample.ts', startLine: 2, endLine: 3, text: 'const x = 1;\nconst y = 2;\n' },
      { kind: 'file', path: 'README.md' },
    ]);
  });

  it('reconnects as signed out when the token is cleared', async () => {
    const w = await wegent();
    await w.tokens.clear();
    await waitFor(() => w.chatView.connectionStatus === 'signed-out', { message: `signed-out (is ${w.chatView.connectionStatus})`, timeout: 30_000 });
    await w.tokens.set(testBackend().token);
    await waitFor(() => w.chatView.connectionStatus === 'connected', { message: `connected again (is ${w.chatView.connectionStatus})`, timeout: 30_000 });
  });
});
