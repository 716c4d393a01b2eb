// Helpers for suites running inside the extension host: the extension's API, the test backend the
// harness started (its URL and a token arrive through the environment), and polling.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, type WegentApi } from '../../../src/vscode/wegentApi';
import { ENV } from '../scenario';
import { waitFor } from '../../../../test/support/wait';
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

/** Waits for this window's device to be online and returns its snapshot. */
export async function onlineSnapshot(w: WegentApi): Promise<ExecutorSnapshot> {
  return waitFor(() => (w.controller.snapshot?.state === 'online' ? w.controller.snapshot : undefined), { timeout: 60_000, message: 'device online' });
}

/** Asks the harness (extension/test/host/control.ts) to act on the backend process or issue a token. */
export async function control<T = unknown>(path: string, timeoutMs = 90_000): Promise<T> {
  const base = process.env[ENV.control];
  assert.ok(base, `${ENV.control} not set by the harness`);
  const res = await fetch(`${base}${path}`, { method: 'POST', signal: AbortSignal.timeout(timeoutMs) });
  const body = await res.text();
  assert.equal(res.status, 200, `control ${path}: ${body}`);
  return JSON.parse(body) as T;
}

/** A counter from the backend's Prometheus /metrics, summed over the series matching `labels`. */
export async function metric(backendUrl: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${backendUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(name) && line.includes(labels) && !line.startsWith('#'))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

/** A value another window's suite published through the harness (waits until it is there). */
export async function shared(key: string): Promise<string> {
  return (await control<{ value: string }>(`/kv/get?key=${encodeURIComponent(key)}`, 4 * 60_000 + 5_000)).value;
}

export async function publish(key: string, value: string): Promise<void> {
  await control(`/kv/set?key=${encodeURIComponent(key)}&value=${encodeURIComponent(value)}`);
}
