// The local prompt: a task of this machine's device asks for permission, and the person at the machine
// may answer here as well as in any chat. The executor core decides everything (first answer wins,
// "for this task", the timeout); this only shows the question and passes the answer on. A toast can
// be missed (it folds into the bell after a while), so the status bar says "needs input" and the
// sidebar's card both reopen it (`wegent.showApprovals`).
import * as vscode from 'vscode';
import type { Answers, Question } from '@wegent/shared';
import type { OpenApproval, PermissionAnswer } from '../executor/api';
import type { ApprovalOutcome, DeviceController } from './deviceController';
import { describeAction, describeRequest } from './approvalText';
import { preview } from './taskLog';

/** How many ended requests are remembered, so a late click on their toast says who decided. */
const REMEMBERED = 200;

export class LocalApprovalPrompt {
  /** How each request ended, by `subtask/request` (the core forgets a task once it ends). */
  private readonly ended = new Map<string, ApprovalOutcome>();

  constructor(private readonly controller: DeviceController) {}

  /** A request of this device was decided, here or elsewhere. */
  closed(a: OpenApproval, outcome: ApprovalOutcome): void {
    this.ended.set(`${a.subtaskId}/${a.requestId}`, outcome);
    if (this.ended.size > REMEMBERED) this.ended.delete(this.ended.keys().next().value!);
  }

  /** Shows the prompt for a request; a late click after another side decided says who did. */
  async show(a: OpenApproval): Promise<void> {
    const answer = a.toolName === 'AskUserQuestion' && a.questions?.length ? await this.askQuestions(a, a.questions) : await this.askPermission(a);
    if (!answer) return; // dismissed: the request stays open for the chats, the sidebar and the status bar
    const result = this.controller.answerPermission(a.subtaskId, a.requestId, answer);
    if (!result.ok) {
      const t = vscode.l10n.t;
      const known = this.ended.get(`${a.subtaskId}/${a.requestId}`);
      const outcome = known ? { decision: known.decision, decidedBy: known.by } : result;
      const how = outcome.decision === 'allow' ? t('allowed') : t('denied');
      const who = outcome.decidedBy === 'chat' ? t('in a chat') : outcome.decidedBy === 'timeout' ? t('after nobody answered in time') : t('here');
      void vscode.window.showInformationMessage(t('Wegent: this request was already {0} {1}.', how, who));
    }
  }

  /** Reopens the prompt: the one open request, or a pick among several. */
  async reopen(): Promise<void> {
    const open = this.controller.openApprovals();
    const t = vscode.l10n.t;
    if (open.length === 0) {
      void vscode.window.showInformationMessage(t('Wegent: no task of this device waits for an answer.'));
      return;
    }
    if (open.length === 1) return this.show(open[0]!);
    const picked = await vscode.window.showQuickPick(
      open.map((a) => ({ label: describeAction(a), detail: t('Task "{0}"', preview(a.taskPrompt, 80)), approval: a })),
      { title: t('Wegent: tasks waiting for your answer'), placeHolder: t('Pick a request to answer') },
    );
    if (picked) await this.show(picked.approval);
  }

  private async askPermission(a: OpenApproval): Promise<PermissionAnswer | undefined> {
    const t = vscode.l10n.t;
    if (a.toolName === 'ExitPlanMode') {
      const approve = t('Approve Plan');
      const keep = t('Keep Planning');
      const picked = await vscode.window.showWarningMessage(describeRequest(a), approve, keep);
      return picked === approve ? { decision: 'allow', scope: 'once' } : picked === keep ? { decision: 'deny' } : undefined;
    }
    const allow = t('Allow');
    const allowTask = t('Allow for This Task');
    const deny = t('Deny');
    const denyNote = t('Deny with Note…');
    const picked = await vscode.window.showWarningMessage(describeRequest(a), allow, allowTask, deny, denyNote);
    if (picked === allow || picked === allowTask) return { decision: 'allow', scope: picked === allowTask ? 'task' : 'once' };
    if (picked === deny) return { decision: 'deny' };
    if (picked !== denyNote) return undefined;
    const note = await vscode.window.showInputBox({ title: t('Deny {0}', a.toolName), prompt: t('Tell Claude what to do instead (optional)'), ignoreFocusOut: true });
    return note === undefined ? undefined : { decision: 'deny', ...(note.trim() ? { message: note.trim() } : {}) };
  }

  /** AskUserQuestion: a toast to start, then one quick pick per question (several options where allowed, or an own answer). */
  private async askQuestions(a: OpenApproval, questions: Question[]): Promise<PermissionAnswer | undefined> {
    const t = vscode.l10n.t;
    const answerNow = t('Answer…');
    const skip = t('Skip');
    const picked = await vscode.window.showWarningMessage(describeRequest(a), answerNow, skip);
    if (picked === skip) return { decision: 'deny' };
    if (picked !== answerNow) return undefined;
    const answers: Answers = {};
    for (const q of questions) {
      const other = { label: t('Other…'), description: t('type your own answer') };
      const items = [...q.options.map((o) => ({ label: o.label, description: o.description })), other];
      const title = q.header ? `${q.header}: ${q.question}` : q.question;
      const chosen = q.multi_select
        ? await vscode.window.showQuickPick(items, { title, canPickMany: true, ignoreFocusOut: true })
        : await vscode.window.showQuickPick(items, { title, ignoreFocusOut: true }).then((one) => (one ? [one] : undefined));
      if (!chosen) return undefined;
      const labels = chosen.filter((c) => c !== other).map((c) => c.label);
      if (chosen.includes(other)) {
        const own = await vscode.window.showInputBox({ title, prompt: t('Your answer'), ignoreFocusOut: true });
        if (own === undefined) return undefined;
        if (own.trim()) labels.push(own.trim());
      }
      answers[q.question] = labels.join(', ');
    }
    return { decision: 'allow', answers };
  }
}
