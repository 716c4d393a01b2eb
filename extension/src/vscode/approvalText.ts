// A permission request in one readable sentence for VS Code (toast, status bar hover, output):
// the tool's target, never its raw JSON, and the task by its message, never by an id.
import * as vscode from 'vscode';
import { toolTarget } from '@wegent/shared';
import type { OpenApproval } from '../executor/api';
import { preview } from './taskLog';

/** "Claude wants to run `npm test`", "… to write src/a.ts", "… to use WebSearch". */
export function describeAction(a: Pick<OpenApproval, 'toolName' | 'input'>): string {
  const t = vscode.l10n.t;
  const { kind, target } = toolTarget(a.toolName, a.input);
  const shown = target ? preview(target, 120) : undefined;
  switch (kind) {
    case 'command':
      return shown ? t('Claude wants to run: {0}', shown) : t('Claude wants to run a command');
    case 'write':
      return shown ? t('Claude wants to create or overwrite {0}', vscode.workspace.asRelativePath(shown)) : t('Claude wants to write a file');
    case 'edit':
    case 'notebook':
      return shown ? t('Claude wants to edit {0}', vscode.workspace.asRelativePath(shown)) : t('Claude wants to edit a file');
    case 'url':
      return shown ? t('Claude wants to fetch {0}', shown) : t('Claude wants to fetch a web page');
    case 'question':
      return shown ? t('Claude asks: {0}', shown) : t('Claude has a question for you');
    case 'plan':
      return t('Claude has a plan and wants to start making changes');
    default:
      return shown ? t('Claude wants to use {0} on {1}', a.toolName, shown) : t('Claude wants to use {0}', a.toolName);
  }
}

/** The whole prompt: what, and in which task. */
export function describeRequest(a: Pick<OpenApproval, 'toolName' | 'input' | 'taskPrompt'>): string {
  return vscode.l10n.t('Wegent: {0} (task "{1}").', describeAction(a), preview(a.taskPrompt, 60));
}
