// "Wegent: Add Selection to Chat" (editor context menu) and "Wegent: Add File to Chat" (explorer and
// editor title): what Claude Code's extension and Cline users expect — a piece of the editor goes
// with the next message. Paths are relative to the workspace folder, the cwd of a task on this device.
import * as vscode from 'vscode';
import type { ContextItem } from '@wegent/shared';
import { MAX_MENTIONS } from '@wegent/shared';
import { rankPaths } from './chatFiles';
import type { ChatViewProvider } from './chatView';

/** A selection larger than this is cut (a chat message may be 100 000 characters in all). */
export const MAX_SELECTION_CHARS = 20_000;

const relative = (uri: vscode.Uri) => vscode.workspace.asRelativePath(uri, false);

export function selectionContext(editor: vscode.TextEditor): ContextItem | undefined {
  const { selection, document } = editor;
  if (selection.isEmpty) return undefined;
  const text = document.getText(selection);
  // A selection that ends at the start of a line does not take that line.
  const endLine = selection.end.character === 0 && selection.end.line > selection.start.line ? selection.end.line : selection.end.line + 1;
  return {
    kind: 'selection',
    path: relative(document.uri),
    startLine: selection.start.line + 1,
    endLine,
    text: text.length > MAX_SELECTION_CHARS ? `${text.slice(0, MAX_SELECTION_CHARS)}\n… (cut at ${MAX_SELECTION_CHARS} characters)` : text,
  };
}

/** Files listed for `@` (VS Code's files.exclude applies), cached briefly while the user types. */
const MAX_LISTED_FILES = 5_000;
const FILE_LIST_TTL_MS = 10_000;
let fileList: { at: number; paths: Promise<string[]> } | undefined;

function workspaceFiles(): Promise<string[]> {
  if (!fileList || Date.now() - fileList.at > FILE_LIST_TTL_MS) {
    const paths = Promise.resolve(vscode.workspace.findFiles('**/*', '**/{node_modules,.git}/**', MAX_LISTED_FILES)).then((uris) => uris.map(relative));
    fileList = { at: Date.now(), paths };
  }
  return fileList.paths;
}

/** The text editor the user was in: the active one, or (focus is in a chat tab) the first visible one. */
function lastEditor(): vscode.TextEditor | undefined {
  return vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors.find((e) => e.document.uri.scheme === 'file');
}

/**
 * What `@` in the composer offers (shared/src/bridge.ts `mentions`): the selection of the editor the
 * user was in, then that editor's file, then workspace files matching the query.
 */
export async function mentionCandidates(query: string): Promise<ContextItem[]> {
  const q = query.trim().toLowerCase();
  const items: ContextItem[] = [];
  const editor = lastEditor();
  if (editor) {
    const selection = selectionContext(editor);
    if (selection && (!q || 'selection'.startsWith(q) || selection.path.toLowerCase().includes(q))) items.push(selection);
    const current = relative(editor.document.uri);
    if (editor.document.uri.scheme === 'file' && (!q || current.toLowerCase().includes(q))) items.push({ kind: 'file', path: current });
  }
  const taken = new Set(items.filter((i) => i.kind === 'file').map((i) => i.path));
  for (const path of rankPaths(await workspaceFiles(), q, MAX_MENTIONS)) {
    if (items.length >= MAX_MENTIONS) break;
    if (!taken.has(path)) items.push({ kind: 'file', path });
  }
  return items;
}

export function registerContextCommands(chat: ChatViewProvider): vscode.Disposable[] {
  const t = vscode.l10n.t;
  return [
    vscode.commands.registerCommand('wegent.addSelectionToChat', async () => {
      const editor = vscode.window.activeTextEditor;
      const item = editor && selectionContext(editor);
      // Nothing selected: the whole file is what the user points at.
      const added = item ?? (editor ? { kind: 'file' as const, path: relative(editor.document.uri) } : undefined);
      if (!added) return void vscode.window.showInformationMessage(t('Wegent: open a file and select some lines to add them to the chat.'));
      await chat.addContext(added);
    }),
    vscode.commands.registerCommand('wegent.addFileToChat', async (uri?: vscode.Uri, many?: vscode.Uri[]) => {
      const targets = many?.length ? many : uri ? [uri] : vscode.window.activeTextEditor ? [vscode.window.activeTextEditor.document.uri] : [];
      for (const target of targets) await chat.addContext({ kind: 'file', path: relative(target) });
    }),
  ];
}
