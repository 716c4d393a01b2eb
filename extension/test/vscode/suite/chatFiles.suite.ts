// In a real VS Code: a path a reply names opens in the editor at its line when it is inside the
// workspace (wegent.openChatFile, what the chat's file links ask for), and is refused otherwise; `@` in
// the composer is offered the editor's selection, its file and matching workspace files (the host's
// answer to the webview's `mentions`); the sidebar chat is told it is the sidebar (one gear).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { HostToWebview } from '@wegent/shared';
import { waitFor } from '../../../../test/support/wait';
import { setBackendUrl, testBackend, wegent } from './helpers';

describe('chat files in the editor: open from a reply, offer for @', () => {
  let folder: vscode.Uri;
  before(async () => {
    folder = vscode.workspace.workspaceFolders![0]!.uri;
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, 'src', 'mention-sample.ts'), Buffer.from('one\ntwo\nthree\nfour\n'));
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, 'docs', 'mention-readme.md'), Buffer.from('# notes\n'));
  });

  it('opens a workspace path from a reply at its line', async () => {
    const result = await vscode.commands.executeCommand('wegent.openChatFile', { path: 'src/mention-sample.ts', line: 3 });
    assert.equal(result, 'opened');
    const editor = vscode.window.activeTextEditor;
    assert.equal(editor?.document.uri.fsPath, vscode.Uri.joinPath(folder, 'src', 'mention-sample.ts').fsPath);
    assert.equal(editor?.selection.active.line, 2);
    const absolute = await vscode.commands.executeCommand('wegent.openChatFile', { path: vscode.Uri.joinPath(folder, 'docs', 'mention-readme.md').fsPath });
    assert.equal(absolute, 'opened');
  });

  it('refuses paths outside the workspace and says missing for absent ones, opening nothing', async () => {
    const before = vscode.window.activeTextEditor?.document.uri.toString();
    assert.equal(await vscode.commands.executeCommand('wegent.openChatFile', { path: '../../etc/passwd' }), 'outside');
    assert.equal(await vscode.commands.executeCommand('wegent.openChatFile', { path: '/etc/passwd' }), 'outside');
    assert.equal(await vscode.commands.executeCommand('wegent.openChatFile', { path: 'src/not-there.ts' }), 'missing');
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), before);
  });

  it('offers @ the selection of the editor, its file, then workspace files matching the query', async () => {
    const w = await wegent();
    const file = vscode.Uri.joinPath(folder, 'src', 'mention-sample.ts');
    const editor = await vscode.window.showTextDocument(file);
    editor.selection = new vscode.Selection(1, 0, 2, 5); // "two\nthree"
    const all = await w.chatView.mentions('');
    assert.deepEqual(all.slice(0, 2), [
      { kind: 'selection', path: 'src/mention-sample.ts', startLine: 2, endLine: 3, text: 'two\nthree' },
      { kind: 'file', path: 'src/mention-sample.ts' },
    ]);
    assert.ok(all.some((i) => i.kind === 'file' && i.path === 'docs/mention-readme.md'), 'workspace files follow');
    const readme = await w.chatView.mentions('mention-readm');
    assert.deepEqual(readme.map((i) => i.path), ['docs/mention-readme.md']);
    assert.equal(new Set(all.map((i) => `${i.kind}:${i.path}`)).size, all.length, 'each once');
  });

  it('tells the sidebar chat it is the sidebar; the view\'s gear opens its settings', async () => {
    const w = await wegent();
    const posted: HostToWebview[] = [];
    const sub = w.chatView.posted.event((m) => posted.push(m));
    try {
      await setBackendUrl(testBackend().url);
      await w.tokens.set(testBackend().token);
      await vscode.commands.executeCommand('wegent.openChat');
      w.chatView.refreshHostInfo();
      const init = await waitFor(() => posted.find((m) => m.type === 'init'), { message: 'init posted', timeout: 30_000 });
      assert.equal(init.type === 'init' && init.info.surface, 'sidebar');
      // The view's gear (view/title) toggles the chat's settings panel.
      await vscode.commands.executeCommand('wegent.chatSettings');
      await waitFor(() => posted.some((m) => m.type === 'toggleSettings'), { message: 'toggleSettings posted to the sidebar', timeout: 30_000 });
    } finally {
      sub.dispose();
      await w.tokens.clear();
    }
  });
});
