// The small muted line under a reply: when it ended (or was sent), how long it took and which
// model answered — each only when known, nothing guessed.
import { useLocale, useT } from '../i18n';
import type { Turn } from '../state';
import { clockTime, duration } from '../time';
import { reportedModel } from '../transcript';
import { replyDurationMs } from '../turns';

export function ReplyMeta({ turn }: { turn: Turn }) {
  const t = useT();
  const locale = useLocale();
  const when = turn.finished_at ?? turn.started_at ?? turn.sent_at;
  const ms = replyDurationMs(turn);
  const model = reportedModel(turn.events) ?? turn.model;
  const parts: { cls: string; text: string; title?: string }[] = [];
  if (when) parts.push({ cls: 'meta-time', text: clockTime(when, locale), title: new Date(when).toLocaleString(locale) });
  if (ms !== undefined) parts.push({ cls: 'meta-duration', text: duration(ms, t), title: t('meta.duration') });
  if (model) parts.push({ cls: 'meta-model', text: model, title: t('meta.model') });
  if (!parts.length) return null;
  return (
    <div class="reply-meta">
      {parts.map((p, i) => (
        <span key={p.cls} class={p.cls} title={p.title}>
          {i > 0 && <span aria-hidden="true"> · </span>}
          {p.text}
        </span>
      ))}
    </div>
  );
}
