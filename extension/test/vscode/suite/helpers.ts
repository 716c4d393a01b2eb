// Helpers for suites running inside the extension host: the extension's API, the test backend the
// harness started (its URL and a token arrive through the environment), and polling.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, type WegentApi } from '../../../src/vscode/wegentApi';
import { ENV } from '../scenario';
import type { ExecutorSnapshot } from '../../../src/executor/api';

export async function wegent(): Promise<WegentApi> {
  const ext = vscode.extensions.getExtension<WegentApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
  return ext.isActive ? ext.exports : ext.activate();
}

export function manifest(): { contributes: { commands: Array<{ command: string }> } } {
  return vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
}

/** What the harness passes in: a running backend and two users' API tokens on it. */
export function testBackend(): { url: string; token: string; otherToken: string } {
  const url = process.env[ENV.backendUrl];
  const token = process.env[ENV.token];
  const otherToken = process.env[ENV.otherToken];
  assert.ok(url && token && otherToken, `${Object.values(ENV).join(' / ')} not set by the harness`);
  return { url, token, otherToken };
}

export async function setSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('wegent').update(key, value, vscode.ConfigurationTarget.Global);
}

export const setBackendUrl = (url: string) => setSetting('backendUrl', url);

/** Polls `fn` until it returns something truthy, which it resolves with. */
export async function waitFor<T>(fn: () => T | Promise<T>, message: string, timeout = 30_000): Promise<Exclude<T, false | null | undefined | 0 | ''>> {
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as Exclude<T, false | null | undefined | 0 | ''>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms: ${message}${last instanceof Error ? ` (${last.message})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits for this window's device to be online and returns its snapshot. */
export async function onlineSnapshot(w: WegentApi): Promise<ExecutorSnapshot> {
  return waitFor(() => (w.controller.snapshot?.state === 'online' ? w.controller.snapshot : undefined), `device online (is ${w.controller.snapshot?.state})`, 60_000);
}
