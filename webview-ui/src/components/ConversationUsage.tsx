// Under the last reply: what the whole conversation cost so far, once more than one reply reported
// usage (with one, its own footer says it all). Only reported fields are added up.
import { useMemo } from 'preact/hooks';
import { useLocale, useT } from '../i18n';
import type { Turn } from '../state';
import { conversationUsage, tokensDetail, tokensText, usd } from '../usage';

export function ConversationUsage({ turns }: { turns: Turn[] }) {
  const t = useT();
  const locale = useLocale();
  const sum = useMemo(() => conversationUsage(turns), [turns]);
  if (!sum || sum.replies < 2) return null;
  const tokens = tokensText(sum.usage, t, locale);
  return (
    <p class="conversation-usage">
      {t('usage.conversation', { replies: sum.replies })}
      {tokens && <span title={tokensDetail(sum.usage, t, locale)}> · {tokens}</span>}
      {sum.usage.total_cost_usd !== undefined && <span title={t('meta.cost')}> · {usd(sum.usage.total_cost_usd, locale)}</span>}
    </p>
  );
}
