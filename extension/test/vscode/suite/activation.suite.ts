// The extension loads in a real VS Code, contributes what its manifest promises, and starts quiet:
// no device until the user connects, a status bar item that offers to connect.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { waitFor } from '../../../../test/support/wait';
import { manifest, wegent } from './helpers';

describe('activation in a real VS Code extension host', () => {
  it('activates and registers every command of the manifest', async () => {
    const api = await wegent();
    assert.ok(api.controller, 'activate() returns the API');
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = manifest().contributes.commands.map((c) => c.command).filter((c) => !registered.has(c));
    assert.deepEqual(missing, []);
  });

  it('starts disconnected, with a status bar item that offers to connect', async () => {
    const api = await wegent();
    assert.equal(api.controller.isRunning, false);
    assert.equal(api.statusBar.text, '$(debug-disconnect) Wegent');
  });

  it('opens the Wegent output channel from its command, showing what the extension logged', async () => {
    const api = await wegent();
    const marker = `output-marker-${Date.now()}`;
    api.output.info(marker);
    // The output panel's editor is visible to the extension host only while the panel shows it.
    const shownWegentLog = () => vscode.window.visibleTextEditors.find((e) => e.document.uri.scheme === 'output' && e.document.uri.path.includes('Wegent'));
    await vscode.commands.executeCommand('workbench.action.closePanel');
    await waitFor(() => !shownWegentLog(), { message: 'the output panel did not close' });
    await vscode.commands.executeCommand('wegent.showOutput');
    const editor = await waitFor(shownWegentLog, { message: 'wegent.showOutput did not show the Wegent channel' });
    await waitFor(() => editor.document.getText().includes(marker), { message: 'the shown channel lacks the line just logged' });
  });
});
