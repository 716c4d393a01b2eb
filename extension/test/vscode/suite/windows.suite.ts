// Issue 15 in real VS Code windows: two windows on two folders and a wegent-executor on a third, on
// one machine (one HOME, one hardware id), all online at once as three devices named by folder; a
// task sent to each lands in its own folder; connecting one window offers to connect the other;
// deleting one device removes only that one; the same folder twice says so and offers to take over
// (no tug of war); reopening the folder keeps its id. The harness (extension/test/host/windows.ts)
// runs window A and window B at the same time; they meet through its key-value endpoint.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import type { DeviceList } from '@wegent/shared';
import { TestChat, api } from '../../../../test/support/clients';
import { waitFor } from '../../../../test/support/wait';
import { ENV, WHERE_FILE, WHERE_MARKERS } from '../scenario';
import { control, onlineSnapshot, publish, setBackendUrl, setSetting, shared, testBackend, wegent } from './helpers';

const layout = process.env[ENV.layout];
const folders = JSON.parse(process.env[ENV.folders] ?? '{}') as { a: string; b: string; c: string };
const machine = `${os.type()} - ${os.hostname()}`;
const connect = () => vscode.commands.executeCommand<boolean>('wegent.connectDevice');

async function devices(): Promise<DeviceList['devices']> {
  const { url, token } = testBackend();
  return (await api<DeviceList>(url, 'GET', '/api/devices', { token })).body.devices;
}

async function prepare(): Promise<void> {
  await setBackendUrl(testBackend().url);
  await setSetting('permissionMode', 'acceptEdits'); // the Write needs no approval click
  await (await wegent()).tokens.set(testBackend().token);
}

if (layout === 'window-b') describe('window B of two windows and a wegent-executor', () => {
  before(prepare);
  after(() => vscode.commands.executeCommand('wegent.disconnectDevice'));

  it('is offered to connect when window A connects, then serves its own folder beside A and the CLI', async () => {
    const w = await wegent();
    const before = w.notices.shown.length;
    await publish('b-ready', '1');
    const offer = await waitFor(() => w.notices.shown.slice(before).find((n) => /was connected in another window/.test(n.message)), { message: 'the offer to connect this folder too', timeout: 120_000 });
    assert.match(offer.message, new RegExp(`Connect this folder \\(${basename(folders.b)}\\)`));
    assert.deepEqual(offer.actions, ['Connect', 'Not for This Folder']);
    assert.equal(offer.severity, 'info');
    assert.equal(await connect(), true); // what "Connect" runs
    const snapshot = await onlineSnapshot(w);
    assert.equal(snapshot.deviceName, `${machine} · ${basename(folders.b)}`);
    await publish('b-id', snapshot.deviceId);
    await shared('a-done');
    // Never taken over: window A and the CLI were devices of their own all along.
    assert.ok(!w.notices.shown.some((n) => /took it over/.test(n.message)), w.notices.shown.map((n) => n.message).join('\n'));
    assert.ok(['online', 'busy'].includes(w.controller.snapshot?.state ?? ''), `state ${w.controller.snapshot?.state}`);
  });
});

if (layout === 'window-a') describe('window A of two windows and a wegent-executor', () => {
  let chat: TestChat | undefined;
  before(prepare);
  after(async () => {
    chat?.close();
    await publish('a-done', '1'); // window B may finish even if a test here failed
    await vscode.commands.executeCommand('wegent.disconnectDevice');
  });

  it('three executors on one machine are three devices, all online, named by folder; tasks land in the right folder', async () => {
    const w = await wegent();
    await shared('b-ready'); // window B watches for this window's connect
    assert.equal(await connect(), true);
    const idA = (await onlineSnapshot(w)).deviceId;
    await publish('a-id', idA);
    const idB = await shared('b-id');
    const listed = await waitFor(async () => {
      const all = (await devices()).filter((d) => d.status !== 'offline');
      return all.length >= 3 ? all : undefined;
    }, { message: 'three devices online', timeout: 60_000 });
    const byFolder = Object.fromEntries((['a', 'b', 'c'] as const).map((k) => [k, listed.find((d) => d.name === `${machine} · ${basename(folders[k])}`)]));
    assert.deepEqual([byFolder.a?.device_id, byFolder.b?.device_id], [idA, idB], listed.map((d) => `${d.name} ${d.device_id}`).join('\n'));
    assert.ok(byFolder.c, 'the wegent-executor on the third folder is listed by its folder');
    assert.equal(new Set([idA, idB, byFolder.c.device_id]).size, 3, 'three ids');
    for (const d of Object.values(byFolder)) assert.ok(!d!.device_id.includes(basename(folders.a)) && !d!.device_id.includes('/'), 'ids carry no path');
    await vscode.commands.executeCommand('wegent.chat.focus');
    await control('/screenshot?name=several-windows-picker');

    const { url, token } = testBackend();
    chat = await TestChat.connect({ url, token });
    const sent = await Promise.all((['a', 'b', 'c'] as const).map((k) => chat!.sendOk({ device_id: byFolder[k]!.device_id, message: `${WHERE_MARKERS[k]} write where you run` })));
    for (const s of sent) {
      const done = await chat.waitForDone(s.subtask_id, 120_000);
      assert.equal(done.status, 'completed', JSON.stringify(done.error));
    }
    for (const k of ['a', 'b', 'c'] as const) assert.equal(readFileSync(join(folders[k], WHERE_FILE), 'utf8'), `${WHERE_MARKERS[k]}\n`, `the task for ${k} ran in ${folders[k]}`);
  });

  it('deleting one of them from the device list removes only that one (and a running one registers again)', async () => {
    const { url, token } = testBackend();
    const idB = await shared('b-id');
    const idA = await shared('a-id');
    assert.equal((await api(url, 'DELETE', `/api/devices/${idB}`, { token })).status, 204);
    assert.equal((await devices()).find((d) => d.device_id === idA)?.status, 'online', 'window A is untouched');
    await waitFor(async () => (await devices()).some((d) => d.device_id === idB && d.status !== 'offline'), { message: 'window B registered again', timeout: 60_000 });
  });

  it('the same folder twice: the window that is taken over says so and offers Take Over; it never takes it back by itself', async () => {
    const w = await wegent();
    const idA = await shared('a-id');
    const { node, cli } = JSON.parse(process.env[ENV.cli] ?? '{}') as { node: string; cli: string };
    const { url, token } = testBackend();
    let out = '';
    const proc = spawn(node, [cli, '--backend-url', url, '--workspace', folders.a, '--permission-mode', 'acceptEdits'], { env: { ...process.env, WEGENT_TOKEN: token }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
    proc.stdout.on('data', (d: Buffer) => (out += d));
    proc.stderr.on('data', (d: Buffer) => (out += d));
    try {
      const before = w.notices.shown.length;
      await waitFor(() => w.controller.snapshot?.error?.code === 'DEVICE_REPLACED', { message: `window A told it was taken over (CLI said: ${out})`, timeout: 60_000 });
      const notice = await waitFor(() => w.notices.shown.slice(before).find((n) => /took it over/.test(n.message)), { message: 'the taken-over notice', timeout: 10_000 });
      assert.equal(notice.severity, 'warning');
      assert.match(notice.message, /Another executor for the same folder \(another VS Code window on this folder, or a wegent-executor run in it\)/);
      assert.match(notice.message, /use "Take Over" to serve it from this window again/);
      assert.deepEqual(notice.actions, ['Take Over', 'Show Output']);
      await waitFor(() => /is online/.test(out), { message: `the CLI online: ${out}`, timeout: 60_000 });
      assert.equal(w.controller.snapshot?.state, 'error', 'no reconnect: the window stays out');
      assert.equal((await devices()).find((d) => d.device_id === idA)?.status, 'online', 'the CLI has the device');

      // Connecting again asks first instead of silently taking the folder back.
      const asked = w.notices.shown.length;
      assert.equal(await connect(), false);
      const ask = w.notices.shown.slice(asked).find((n) => /already connected as/.test(n.message));
      assert.ok(ask, w.notices.shown.slice(asked).map((n) => n.message).join('\n'));
      assert.equal(ask.severity, 'warning');
      assert.match(ask.message, new RegExp(`"${machine} · ${basename(folders.a)}" from another VS Code window or a wegent-executor`));
      assert.deepEqual(ask.actions, ['Take Over']);
      assert.equal(proc.exitCode, null, 'the CLI still runs');

      // Take Over: this window serves the folder again; the CLI stops with advice that works.
      assert.equal(await vscode.commands.executeCommand<boolean>('wegent.takeOver'), true);
      assert.equal((await onlineSnapshot(w)).deviceId, idA);
      assert.equal(await exited, 5, out);
      // An old notice's Take Over, clicked now: nothing to take, nothing restarted.
      const running = w.controller.snapshot;
      assert.equal(await vscode.commands.executeCommand<boolean>('wegent.takeOver'), true);
      assert.match(w.notices.last()?.message ?? '', /serves this folder already/);
      assert.equal(w.controller.snapshot?.deviceId, running?.deviceId);
      assert.equal(w.controller.snapshot?.state, 'online', 'still online, never disconnected');
      assert.match(out, /stop the other executor, or run this one on another folder \(--workspace DIR\)/);
    } finally {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
  });
});

if (layout === 'window-a-again') describe('window A reopened', () => {
  before(prepare);
  after(() => vscode.commands.executeCommand('wegent.disconnectDevice'));

  it('keeps the folder\'s device id and name across a restart of VS Code', async () => {
    const w = await wegent();
    assert.equal(await connect(), true);
    const snapshot = await onlineSnapshot(w);
    assert.equal(snapshot.deviceId, await shared('a-id'));
    assert.equal(snapshot.deviceName, `${machine} · ${basename(folders.a)}`);
  });
});
