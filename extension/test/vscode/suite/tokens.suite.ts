// Issue 20.1 in the real VS Code: a token is checked against the backend before it is kept, a refused
// one asks again (saying why) instead of repeating the same error, and a good one connects.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { waitFor } from '../../../../test/support/wait';
import type { WegentApi } from '../../../src/vscode/wegentApi';
import { onlineSnapshot, setBackendUrl, testBackend, wegent } from './helpers';

/** Types `value` into the token box on screen and presses Enter (VS Code's own quick input command). */
async function answer(w: WegentApi, value: string): Promise<vscode.InputBox> {
  const box = await waitFor(() => w.tokenPrompt.current, { message: 'the token box', timeout: 30_000 });
  box.value = value;
  box.validationMessage = undefined; // what typing does (onDidChangeValue) — a programmatic value may not fire it
  await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
  return box;
}

const messageOf = (box: vscode.InputBox) => (typeof box.validationMessage === 'string' ? box.validationMessage : box.validationMessage?.message) ?? '';

describe('API tokens: checked before they are kept, asked again when refused', () => {
  before(() => setBackendUrl(testBackend().url));
  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await vscode.commands.executeCommand('wegent.disconnectDevice');
    await (await wegent()).tokens.clear();
  });

  it('Set API Token keeps the box open on a mistyped token, keeps nothing, then connects with a good one', async () => {
    const w = await wegent();
    const done = vscode.commands.executeCommand('wegent.setToken');
    const box = await answer(w, 'mistyped-token');
    await waitFor(() => /did not accept the API token/.test(messageOf(box)), { message: `the refusal in the box (was "${messageOf(box)}")`, timeout: 30_000 });
    assert.equal(w.tokenPrompt.current, box, 'the box stays open');
    assert.equal(await w.tokens.get(), undefined, 'a refused token is never kept');
    assert.match(messageOf(box), /run "Wegent: Set API Token"/, 'VS Code words, not CLI flags');
    assert.doesNotMatch(messageOf(box), /--token|WEGENT_TOKEN|--backend-url/);
    await answer(w, testBackend().token);
    await done;
    assert.equal(await w.tokens.get(), testBackend().token);
    await onlineSnapshot(w); // "connect once a good one is set"
  });

  it('Connect Device with a kept token the backend refuses asks for another one, saying why, and connects with it', async () => {
    const w = await wegent();
    await w.tokens.set('stale-token');
    const connecting = vscode.commands.executeCommand<boolean>('wegent.connectDevice');
    const box = await waitFor(() => w.tokenPrompt.current, { message: 'asked again', timeout: 30_000 });
    assert.match(messageOf(box), /did not accept the API token/);
    await answer(w, testBackend().token);
    assert.equal(await connecting, true);
    await onlineSnapshot(w);
    assert.equal(await w.tokens.get(), testBackend().token);
  });

  it('Escape on the second ask connects nothing and keeps what was there', async () => {
    const w = await wegent();
    await w.tokens.set('stale-token');
    const connecting = vscode.commands.executeCommand<boolean>('wegent.connectDevice');
    await waitFor(() => w.tokenPrompt.current, { message: 'asked again', timeout: 30_000 });
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal(await connecting, false);
    assert.equal(w.controller.isRunning, false);
  });
});
