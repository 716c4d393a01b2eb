// The local prompt: a task of this machine's device asks for permission, and the person at the machine
// may answer here as well as in any chat. The executor core decides everything (first answer wins,
// "for this task", the timeout); this only shows the question and passes the answer on.
import * as vscode from 'vscode';
import type { OpenApproval, PermissionAnswer } from '../executor/api';
import type { DeviceController } from './deviceController';
import { describeRequest } from './approvalText';

export class LocalApprovalPrompt {
  constructor(private readonly controller: DeviceController) {}

  /** Shows the prompt for a request; a late click after another side decided says who did. */
  async show(a: OpenApproval): Promise<void> {
    const t = vscode.l10n.t;
    const allow = t('Allow');
    const allowTask = t('Allow for This Task');
    const deny = t('Deny');
    const picked = await vscode.window.showWarningMessage(describeRequest(a), allow, allowTask, deny);
    if (!picked) return; // dismissed: the request stays open for the chats and the status bar
    const answer: PermissionAnswer = picked === deny ? { decision: 'deny' } : { decision: 'allow', scope: picked === allowTask ? 'task' : 'once' };
    const outcome = this.controller.answerPermission(a.subtaskId, a.requestId, answer);
    if (!outcome.ok) {
      const how = outcome.decision === 'allow' ? t('allowed') : t('denied');
      const who = outcome.decidedBy === 'chat' ? t('in a chat') : outcome.decidedBy === 'timeout' ? t('after nobody answered in time') : t('here');
      void vscode.window.showInformationMessage(t('Wegent: this request was already {0} {1}.', how, who));
    }
  }
}
