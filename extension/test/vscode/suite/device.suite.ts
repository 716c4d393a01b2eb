// "Wegent: Connect Device" in a real VS Code against a real backend, with the real executor running
// the real Claude Code (Agent SDK) against the scripted model server: what a user relies on from the
// status bar, the output channel and the device list.
import * as assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { DeviceList, TokenCreated } from '@wegent/shared';
import { TestChat, api } from '../../../../test/support/clients';
import { freePort } from '../../../../test/support/redis';
import { CLAUDE_PATH_MARKER, CLAUDE_PATH_REPLY, SLOW_MARKER, SLOW_REPLY, STREAM_MARKER, STREAM_REPLY } from '../scenario';
import { waitFor } from '../../../../test/support/wait';
import { onlineSnapshot, setBackendUrl, setSetting, testBackend, wegent } from './helpers';

const connect = () => vscode.commands.executeCommand<boolean>('wegent.connectDevice');

describe('Wegent: Connect Device (real backend, real executor, real Claude Code)', () => {
  let chat: TestChat | undefined;

  before(async () => {
    await setBackendUrl(testBackend().url);
  });

  afterEach(async () => {
    chat?.close();
    chat = undefined;
    const w = await wegent();
    await vscode.commands.executeCommand('wegent.disconnectDevice');
    await w.tokens.clear();
    await setSetting('maxSlots', undefined);
    await setSetting('claudeCodePath', undefined);
    await setBackendUrl(testBackend().url);
  });

  it('refuses a token the backend does not know, and connects nothing (silent reconnect: nobody to ask)', async () => {
    const w = await wegent();
    await w.tokens.set('not-a-real-token');
    assert.equal(await vscode.commands.executeCommand<boolean>('wegent.reconnectSilently'), false);
    assert.equal(w.controller.isRunning, false);
    assert.equal(w.statusBar.text, '$(debug-disconnect) Wegent');
  });

  it('refuses an unreachable backend URL with nothing left running', async () => {
    const w = await wegent();
    await w.tokens.set(testBackend().token);
    await setBackendUrl(`http://127.0.0.1:${await freePort()}`); // nothing listens there
    assert.equal(await connect(), false);
    assert.equal(w.controller.isRunning, false);
  });

  it('registers this workspace as an online device with 0/5 slots, shown in the status bar', async () => {
    const { url, token } = testBackend();
    const w = await wegent();
    await w.tokens.set(token);
    assert.equal(await connect(), true);
    const snapshot = await onlineSnapshot(w);
    assert.equal(w.statusBar.text, '$(vm-active) Wegent 0/5');
    const { body } = await api<DeviceList>(url, 'GET', '/api/devices', { token });
    const device = body.devices.find((d) => d.device_id === snapshot.deviceId);
    assert.ok(device, 'the backend lists the device');
    assert.equal(device.status, 'online');
    assert.equal(device.max_slots, 5);
    // Another account does not see it (S16).
    const other = await api<DeviceList>(url, 'GET', '/api/devices', { token: testBackend().otherToken });
    assert.equal(other.body.devices.some((d) => d.device_id === snapshot.deviceId), false);
  });

  it('Show Device Info names the device, its backend, slots and the folder tasks run in', async () => {
    const { url, token } = testBackend();
    const w = await wegent();
    await w.tokens.set(token);
    assert.equal(await connect(), true);
    const { deviceId } = await onlineSnapshot(w);
    await vscode.commands.executeCommand('wegent.showDeviceInfo');
    const folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const log = vscode.Uri.joinPath(w.logUri, 'Wegent.log');
    const text = await waitFor(async () => {
      const t = await readFile(log.fsPath, 'utf8').catch(() => '');
      return t.includes(`Device id: ${deviceId}`) ? t : undefined;
    }, { message: 'device info in the output channel', timeout: 30_000 });
    for (const line of [`Backend: ${url}`, 'State: online', 'Slots in use: 0/5', `Tasks run in: ${folder}`, 'Running tasks: none']) {
      assert.ok(text.includes(line), `the device info has "${line}"`);
    }
  });

  it('runs a chat message with Claude Code in the workspace, streams it back, and logs it in the output channel', async () => {
    const { url, token } = testBackend();
    const w = await wegent();
    await w.tokens.set(token);
    assert.equal(await connect(), true);
    const deviceId = (await onlineSnapshot(w)).deviceId;
    chat = await TestChat.connect({ url, token });
    const sent = await chat.sendOk({ device_id: deviceId, message: `${STREAM_MARKER} say hello` });
    const done = await chat.waitForDone(sent.subtask_id, 90_000);
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    assert.equal(chat.text(sent.subtask_id), STREAM_REPLY);
    // The output channel is a log file on disk: the streamed line and the end of the task are there.
    const log = vscode.Uri.joinPath(w.logUri, 'Wegent.log');
    const text = await waitFor(async () => {
      const t = await readFile(log.fsPath, 'utf8').catch(() => '');
      return t.includes('task completed') ? t : undefined;
    }, { message: 'the output channel logs the completed task', timeout: 30_000 });
    assert.match(text, new RegExp(STREAM_REPLY.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    assert.doesNotMatch(text, new RegExp(token.slice(-20)), 'the token never reaches the log');
  });

  it('counts the running task in the status bar: 0/5 → 1/5 → 0/5 with the default 5 slots', async () => {
    const { url, token } = testBackend();
    const w = await wegent();
    await w.tokens.set(token);
    assert.equal(await connect(), true);
    const deviceId = (await onlineSnapshot(w)).deviceId;
    assert.equal(w.statusBar.text, '$(vm-active) Wegent 0/5');
    const seen: string[] = [w.statusBar.text];
    const recording = w.statusBar.onDidChangeText((text) => seen.push(text));
    try {
      chat = await TestChat.connect({ url, token });
      const sent = await chat.sendOk({ device_id: deviceId, message: `${SLOW_MARKER} one of five` });
      // While it runs, the hover names the backend and the task.
      await waitFor(() => w.statusBar.tooltip.includes(`• ${SLOW_MARKER} one of five`), { message: `tooltip lists the task (was ${w.statusBar.tooltip})`, timeout: 60_000 });
      assert.ok(w.statusBar.tooltip.includes(`Backend: ${url}`));
      const done = await chat.waitForDone(sent.subtask_id, 90_000);
      assert.equal(done.status, 'completed', JSON.stringify(done.error));
      await waitFor(() => w.statusBar.text === '$(vm-active) Wegent 0/5', { message: `slot released (was ${w.statusBar.text})`, timeout: 30_000 });
    } finally {
      recording.dispose();
    }
    assert.deepEqual(seen, ['$(vm-active) Wegent 0/5', '$(vm-active) Wegent 1/5', '$(vm-active) Wegent 0/5']);
  });

  it('shows a full device as busy in the status bar while its only slot runs a task', async () => {
    const { url, token } = testBackend();
    const w = await wegent();
    await setSetting('maxSlots', 1);
    await w.tokens.set(token);
    assert.equal(await connect(), true);
    const deviceId = (await onlineSnapshot(w)).deviceId;
    chat = await TestChat.connect({ url, token });
    const sent = await chat.sendOk({ device_id: deviceId, message: `${SLOW_MARKER} take your time` });
    await waitFor(() => w.statusBar.text === '$(vm-running) Wegent 1/1', { message: `status bar busy (was ${w.statusBar.text})`, timeout: 60_000 });
    const done = await chat.waitForDone(sent.subtask_id, 90_000);
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    assert.equal(chat.text(sent.subtask_id), SLOW_REPLY);
    await waitFor(() => w.statusBar.text === '$(vm-active) Wegent 0/1', { message: `slot released (was ${w.statusBar.text})`, timeout: 30_000 });
  });

  it('stops with an error in the status bar when its token is revoked while connected', async () => {
    const { url, token } = testBackend();
    const created = await api<TokenCreated>(url, 'POST', '/api/tokens', { token, body: { name: 'vscode-revoke-test' } });
    assert.equal(created.status, 201);
    const w = await wegent();
    await w.tokens.set(created.body.token);
    assert.equal(await connect(), true);
    await onlineSnapshot(w);
    const revoked = await api(url, 'DELETE', `/api/tokens/${created.body.id}`, { token });
    assert.ok(revoked.status === 204 || revoked.status === 200, `revoke answered ${revoked.status}`);
    await waitFor(() => w.controller.snapshot?.state === 'error', { message: 'executor in error state', timeout: 30_000 });
    assert.equal(w.statusBar.text, '$(error) Wegent');
    assert.equal(w.controller.snapshot?.error?.code, 'AUTH_REVOKED');
  });

  it('goes offline in the device list when disconnected', async () => {
    const { url, token } = testBackend();
    const w = await wegent();
    await w.tokens.set(token);
    assert.equal(await connect(), true);
    const deviceId = (await onlineSnapshot(w)).deviceId;
    await vscode.commands.executeCommand('wegent.disconnectDevice');
    assert.equal(w.statusBar.text, '$(debug-disconnect) Wegent');
    assert.match(w.notices.last()?.message ?? '', /this folder is disconnected/, 'a brief confirmation');
    await waitFor(async () => {
      const { body } = await api<DeviceList>(url, 'GET', '/api/devices', { token });
      return body.devices.find((d) => d.device_id === deviceId)?.status === 'offline';
    }, { message: 'device offline in the backend', timeout: 30_000 });
  });

  it('Sign Out disconnects the device and forgets the token', async () => {
    const w = await wegent();
    await w.tokens.set(testBackend().token);
    assert.equal(await connect(), true);
    await onlineSnapshot(w);
    await vscode.commands.executeCommand('wegent.signOut');
    assert.match(w.notices.last()?.message ?? '', /signed out/, 'a brief confirmation');
    assert.equal(w.controller.isRunning, false);
    assert.equal(await w.tokens.get(), undefined);
    assert.equal(w.statusBar.text, '$(debug-disconnect) Wegent');
  });

  it('runs tasks with the Claude Code named by wegent.claudeCodePath, and says so when it is missing', async () => {
    const { url, token } = testBackend();
    const w = await wegent();
    await w.tokens.set(token);
    chat = await TestChat.connect({ url, token });
    // A path that does not exist: the task fails with the install hint naming the setting (S18).
    await setSetting('claudeCodePath', '/nonexistent/bin/claude');
    assert.equal(await connect(), true);
    let deviceId = (await onlineSnapshot(w)).deviceId;
    const missing = await chat.sendOk({ device_id: deviceId, message: `${CLAUDE_PATH_MARKER} with a missing Claude Code` });
    const failed = await chat.waitForDone(missing.subtask_id, 90_000);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error?.code, 'CLAUDE_NOT_INSTALLED');
    assert.match(failed.error?.message ?? '', /\/nonexistent\/bin\/claude.*wegent\.claudeCodePath/);
    // The real binary, named explicitly (what a universal .vsix needs): the task runs.
    await vscode.commands.executeCommand('wegent.disconnectDevice');
    await setSetting('claudeCodePath', claudeBinary());
    assert.equal(await connect(), true);
    deviceId = (await onlineSnapshot(w)).deviceId;
    const ran = await chat.sendOk({ device_id: deviceId, message: `${CLAUDE_PATH_MARKER} with an explicit Claude Code` });
    const done = await chat.waitForDone(ran.subtask_id, 90_000);
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    assert.equal(chat.text(ran.subtask_id), CLAUDE_PATH_REPLY);
  });
});

/** The Claude Code binary of this platform's SDK package, as a user would point the setting at it. */
function claudeBinary(): string {
  const sdk = dirname(require.resolve('@anthropic-ai/claude-agent-sdk'));
  return join(dirname(sdk), `claude-agent-sdk-${process.platform}-${process.arch}`, process.platform === 'win32' ? 'claude.exe' : 'claude');
}
