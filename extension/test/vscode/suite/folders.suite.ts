// "A clear choice when several folders are open or none is", in real VS Code windows the harness
// opens for it: a multi-root workspace of two folders (Connect Device asks which one; silent
// reconnects reuse the pick; Claude Code really works there), and a window with no folder (Connect
// Device says to open one, with an Open Folder button, and starts nothing).
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { TestChat } from '../../../../test/support/clients';
import { waitFor } from '../../../../test/support/wait';
import { ENV, MULTIROOT_CONTENT, MULTIROOT_FILE, MULTIROOT_MARKER, MULTIROOT_REPLY } from '../scenario';
import type { WegentApi } from '../../../src/vscode/wegentApi';
import { onlineSnapshot, setBackendUrl, setSetting, testBackend, wegent } from './helpers';

const layout = process.env[ENV.layout];

/** Waits for the folder pick, checks what it offers, and picks its last entry with VS Code's quick input commands. */
async function pickLastFolder(w: WegentApi, expected: string[]): Promise<void> {
  const pick = await waitFor(() => (w.folderPicker.current?.items.length ? w.folderPicker.current : undefined), { message: 'the folder quick pick', timeout: 60_000 });
  assert.deepEqual(pick.items.map((i) => i.description), expected);
  await vscode.commands.executeCommand('quickInput.last');
  await waitFor(() => pick.activeItems[0]?.description === expected.at(-1), { message: 'last entry active', timeout: 30_000 });
  await vscode.commands.executeCommand('quickInput.accept');
}

if (layout === 'multi-root') describe('Connect Device in a multi-root workspace', () => {
  let chat: TestChat | undefined;

  before(async () => {
    await setBackendUrl(testBackend().url);
    await setSetting('permissionMode', 'acceptEdits'); // the Write needs no approval click
  });

  after(async () => {
    chat?.close();
    await vscode.commands.executeCommand('wegent.disconnectDevice');
    await setSetting('permissionMode', undefined);
  });

  it('asks which folder tasks run in, remembers the pick, and Claude Code works there', async () => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.equal(folders.length, 2, 'the harness opened two folders');
    const [first, second] = folders.map((f) => f.uri.fsPath) as [string, string];
    const w = await wegent();
    const { url, token } = testBackend();
    await w.tokens.set(token);
    const connecting = vscode.commands.executeCommand<boolean>('wegent.connectDevice');
    await pickLastFolder(w, [first, second]);
    assert.equal(await connecting, true);
    await onlineSnapshot(w);
    const log = await readFile(vscode.Uri.joinPath(w.logUri, 'Wegent.log').fsPath, 'utf8');
    assert.match(log, new RegExp(`tasks run in ${second.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), `the log says: ${log.slice(-1500)}`);
    // A silent reconnect (auto-connect at start-up) asks nothing and reuses the folder picked.
    await vscode.commands.executeCommand('wegent.disconnectDevice');
    assert.equal(await vscode.commands.executeCommand<boolean>('wegent.reconnectSilently'), true);
    const deviceId = (await onlineSnapshot(w)).deviceId;
    chat = await TestChat.connect({ url, token });
    const sent = await chat.sendOk({ device_id: deviceId, message: `${MULTIROOT_MARKER} write the file` });
    const done = await chat.waitForDone(sent.subtask_id, 90_000);
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    assert.equal(chat.text(sent.subtask_id), MULTIROOT_REPLY);
    const events = JSON.stringify(chat.chunks(sent.subtask_id).map((c) => (c as { events?: unknown }).events ?? c)).slice(0, 3000);
    assert.equal(existsSync(join(first, MULTIROOT_FILE)), false, `nothing written in the other folder; the task's stream: ${events}`);
    assert.equal(existsSync(join(second, MULTIROOT_FILE)) && readFileSync(join(second, MULTIROOT_FILE), 'utf8'), MULTIROOT_CONTENT, `the file is in the picked folder; the task's stream: ${events}`);
  });
});

if (layout === 'empty') describe('Connect Device with no folder open', () => {
  it('says to open a folder, offers Open Folder, and starts nothing', async () => {
    assert.equal(vscode.workspace.workspaceFolders, undefined, 'the harness opened no folder');
    const w = await wegent();
    await setBackendUrl(testBackend().url);
    await w.tokens.set(testBackend().token);
    assert.equal(await vscode.commands.executeCommand<boolean>('wegent.connectDevice'), false);
    assert.equal(w.controller.isRunning, false);
    assert.equal(w.statusBar.text, '$(debug-disconnect) Wegent');
    const notice = w.notices.last();
    assert.match(notice?.message ?? '', /Open a folder first/);
    assert.deepEqual(notice?.actions, ['Open Folder']);
    await w.tokens.clear();
  });
});
