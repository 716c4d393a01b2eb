// Browser notifications while the chat page is hidden: a task asks for permission or a question,
// or a task finishes or fails. Only with the user's permission, asked once with an explanation
// (components/NotifyOffer.tsx). What to say for a push is pure (`notificationFor`, unit-tested);
// BrowserNotifier shows it through the Notification API. VS Code has its own (extension side).
import type { ChatChunk, ChatDone, ChatStart } from '@wegent/shared';
import type { MessageKey, Translate } from './i18n';
import { ChatEvent, toolTarget } from './protocol';
import type { Transport } from './transport/types';

export interface PageNotice {
  /** One notification per request or task end: a repeat (resume, another tab) replaces it. */
  tag: string;
  title: string;
  body: string;
  task_id: string;
}

const PROMPT_CHARS = 80;
const TARGET_CHARS = 120;
const clip = (s: string, n: number) => {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > n ? `${flat.slice(0, n - 1)}…` : flat;
};

/** The notifications a push calls for; `prompts` names each subtask by its message. */
export function notificationsFor(t: Translate, event: string, payload: unknown, prompts: ReadonlyMap<string, string>): PageNotice[] {
  if (!payload || typeof payload !== 'object') return [];
  if (event === ChatEvent.chunk) {
    const c = payload as ChatChunk;
    const prompt = prompts.get(c.subtask_id);
    return (c.events ?? []).flatMap((e) => {
      if (e.type !== 'permission_request') return [];
      const question = e.tool_name === 'AskUserQuestion';
      const { target } = toolTarget(e.tool_name, e.input);
      const what = question ? e.questions?.[0]?.question ?? target : target ? `${e.tool_name}: ${target}` : e.tool_name;
      const body = [what && clip(what, TARGET_CHARS), prompt && `“${clip(prompt, PROMPT_CHARS)}”`].filter(Boolean).join('\n');
      return [{ tag: `${c.subtask_id}/${e.request_id}`, title: t(question ? 'notify.question' : 'notify.approval'), body, task_id: c.task_id }];
    });
  }
  if (event === ChatEvent.done) {
    const d = payload as ChatDone;
    if (d.status !== 'completed' && d.status !== 'failed') return [];
    const prompt = prompts.get(d.subtask_id);
    const detail = d.status === 'failed' ? d.error?.message : d.result;
    const body = [prompt && `“${clip(prompt, PROMPT_CHARS)}”`, detail && clip(detail, TARGET_CHARS)].filter(Boolean).join('\n');
    return [{ tag: `${d.subtask_id}/done`, title: t(`notify.${d.status}` as MessageKey), body, task_id: d.task_id }];
  }
  return [];
}

const OFFER_KEY = 'wegent.notifyOffer';

/** Whether to offer notifications: the API exists, the user was never asked, and did not say "not now". */
export function shouldOffer(): boolean {
  return typeof Notification !== 'undefined' && Notification.permission === 'default' && localStorage.getItem(OFFER_KEY) !== 'dismissed';
}

export function dismissOffer(): void {
  localStorage.setItem(OFFER_KEY, 'dismissed');
}

export class BrowserNotifier {
  private readonly prompts = new Map<string, string>();
  private readonly shown = new Set<string>();

  constructor(
    transport: Transport,
    private readonly t: () => Translate,
    private readonly open: (taskId: string) => void,
    /** Prompts of turns on this page (sent here, or read with the conversation). */
    private readonly knownPrompt: (subtaskId: string) => string | undefined,
  ) {
    transport.subscribe((e) => {
      if (e.type === 'push') this.onPush(e.event, e.payload);
    });
  }

  private onPush(event: string, payload: unknown): void {
    if (event === ChatEvent.start) {
      const s = payload as ChatStart;
      if (s?.subtask_id && s.prompt) this.prompts.set(s.subtask_id, s.prompt);
      return;
    }
    if (typeof Notification === 'undefined' || Notification.permission !== 'granted' || document.visibilityState !== 'hidden') return;
    const prompts = new Map(this.prompts);
    const sub = (payload as { subtask_id?: string } | null)?.subtask_id;
    const known = sub ? this.knownPrompt(sub) : undefined;
    if (sub && known && !prompts.has(sub)) prompts.set(sub, known);
    for (const n of notificationsFor(this.t(), event, payload, prompts)) {
      if (this.shown.has(n.tag)) continue;
      this.shown.add(n.tag);
      try {
        const shown = new Notification(n.title, { body: n.body, tag: n.tag });
        shown.onclick = () => {
          window.focus();
          this.open(n.task_id);
          shown.close();
        };
      } catch {
        // Some browsers allow notifications only from a service worker: the page still shows the card.
      }
    }
  }
}
