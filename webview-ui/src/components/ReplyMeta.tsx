// The small muted line under a reply: when it ended (or was sent), how long it took, what it cost
// (tokens and dollars, as its device reported them) and which model answered — each only when
// known, nothing guessed. The exact counts are in the tooltips.
import { useLocale, useT } from '../i18n';
import type { Turn } from '../state';
import { clockTime, duration } from '../time';
import { reportedModel } from '../transcript';
import { replyDurationMs } from '../turns';
import { tokensDetail, tokensText, usd } from '../usage';

export function ReplyMeta({ turn }: { turn: Turn }) {
  const t = useT();
  const locale = useLocale();
  const when = turn.finished_at ?? turn.started_at ?? turn.sent_at;
  const u = turn.usage;
  // The device's own measure when it reported one, else from the device starting to the end.
  const ms = u?.duration_ms ?? replyDurationMs(turn);
  const model = reportedModel(turn.events) ?? turn.model;
  const parts: { cls: string; text: string; title?: string }[] = [];
  if (when) parts.push({ cls: 'meta-time', text: clockTime(when, locale), title: new Date(when).toLocaleString(locale) });
  if (ms !== undefined) {
    const detail = [
      t('meta.duration'),
      u?.duration_api_ms !== undefined ? t('meta.apiTime', { time: duration(u.duration_api_ms, t) }) : '',
      u?.num_turns !== undefined ? t('meta.turns', { n: u.num_turns }) : '',
    ].filter(Boolean);
    parts.push({ cls: 'meta-duration', text: duration(ms, t), title: detail.join(' · ') });
  }
  const tokens = tokensText(u, t, locale);
  if (tokens) parts.push({ cls: 'meta-tokens', text: tokens, title: tokensDetail(u, t, locale) });
  if (u?.total_cost_usd !== undefined) parts.push({ cls: 'meta-cost', text: usd(u.total_cost_usd, locale), title: t('meta.cost') });
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
