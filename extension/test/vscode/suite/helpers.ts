// Helpers for suites running inside the extension host: the extension's API, the test backend the
// harness started (its URL and a token arrive through the environment), and polling.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, type WegentApi } from '../../../src/vscode/wegentApi';

export async function wegent(): Promise<WegentApi> {
  const ext = vscode.extensions.getExtension<WegentApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
  return ext.isActive ? ext.exports : ext.activate();
}

export function manifest(): { contributes: { commands: Array<{ command: string }> } } {
  return vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
}

/** What the harness passes in: a running backend and a user's API token on it. */
export function testBackend(): { url: string; token: string; otherToken: string } {
  const url = process.env.WEGENT_TEST_BACKEND_URL;
  const token = process.env.WEGENT_TEST_TOKEN;
  const otherToken = process.env.WEGENT_TEST_OTHER_TOKEN;
  assert.ok(url && token && otherToken, 'WEGENT_TEST_BACKEND_URL / WEGENT_TEST_TOKEN / WEGENT_TEST_OTHER_TOKEN not set by the harness');
  return { url, token, otherToken };
}

export async function setBackendUrl(url: string): Promise<void> {
  await vscode.workspace.getConfiguration('wegent').update('backendUrl', url, vscode.ConfigurationTarget.Global);
}

export async function api<T>(path: string, token: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(testBackend().url + path, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

export async function waitFor<T>(fn: () => T | Promise<T>, message: string, timeout = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms: ${message}${last instanceof Error ? ` (${last.message})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
