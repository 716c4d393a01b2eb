// The extension loads in a real VS Code, contributes what its manifest promises, and starts quiet:
// no device until the user connects, a status bar item that offers to connect.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
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

  it('opens the Wegent output channel from its command', async () => {
    const api = await wegent();
    await vscode.commands.executeCommand('wegent.showOutput');
    assert.equal(api.output.channel.name, 'Wegent');
  });
});
