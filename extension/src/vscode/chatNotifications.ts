// VS Code notifications on the machine where the user chats: a task elsewhere (another device, the
// cloud) asks for permission or a question, or — while the chat is out of sight — a task of this
// chat finishes or fails. Requests of this window's own device have their own prompt
// (toolApproval.ts) and are not announced twice. Fed with the chat's server pushes.
import * as vscode from 'vscode';
import type { ChatChunk, ChatDone, ChatStart } from '@wegent/shared';
import { describeAction } from './approvalText';
import { preview } from './taskLog';

export interface ChatNotificationDeps {
  /** The device id of this window's executor, when it runs one. */
  localDeviceId(): string | undefined;
  /** Whether the chat view is on screen now. */
  chatVisible(): boolean;
}

export class ChatNotifications {
  private readonly tasks = new Map<string, { prompt: string; deviceId: string }>();
  private readonly shown = new Set<string>();
  /** Every notification shown (text), newest last: what tests in the host observe. */
  readonly messages: string[] = [];

  onPush(event: string, payload: unknown): void {
    if (!payload || typeof payload !== 'object') return;
    if (event === 'chat:start') {
      const s = payload as ChatStart;
      this.tasks.set(s.subtask_id, { prompt: s.prompt ?? '', deviceId: s.device_id });
    } else if (event === 'chat:chunk') {
      this.onChunk(payload as ChatChunk);
    } else if (event === 'chat:done') {
      this.onDone(payload as ChatDone);
    }
  }

  constructor(private readonly deps: ChatNotificationDeps) {}

  private onChunk(c: ChatChunk): void {
    const task = this.tasks.get(c.subtask_id);
    if (task && task.deviceId === this.deps.localDeviceId()) return; // this window's own prompt asks
    for (const e of c.events ?? []) {
      if (e.type !== 'permission_request') continue;
      const key = `${c.subtask_id}/${e.request_id}`;
      if (this.shown.has(key)) continue;
      this.shown.add(key);
      const t = vscode.l10n.t;
      const what = describeAction({ toolName: e.tool_name, input: e.input });
      const text = task?.prompt ? t('Wegent: {0} (task "{1}"). Answer in the chat.', what, preview(task.prompt, 60)) : t('Wegent: {0}. Answer in the chat.', what);
      this.messages.push(text);
      void this.offerChat(vscode.window.showWarningMessage(text, t('Open Chat')));
    }
  }

  private onDone(d: ChatDone): void {
    const task = this.tasks.get(d.subtask_id);
    this.tasks.delete(d.subtask_id);
    if (!task || this.deps.chatVisible() || (d.status !== 'completed' && d.status !== 'failed')) return;
    const t = vscode.l10n.t;
    const name = preview(task.prompt, 60);
    const message = d.status === 'completed' ? t('Wegent: task "{0}" finished.', name) : t('Wegent: task "{0}" failed: {1}', name, d.error?.message ?? t('unknown error'));
    this.messages.push(message);
    const show = d.status === 'completed' ? vscode.window.showInformationMessage : vscode.window.showErrorMessage;
    void this.offerChat(show(message, t('Open Chat')));
  }

  private async offerChat(choice: Thenable<string | undefined>): Promise<void> {
    if (await choice) await vscode.commands.executeCommand('wegent.openChat');
  }
}
