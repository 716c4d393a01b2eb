// What replies cost, as a person reads it: token counts, dollars, the breakdown behind a tooltip.
// Only what the device reported: a field it did not report is not shown (never as 0). The field list
// and the sums come from @wegent/shared's zod-free usageFields.ts (through protocol.ts).
import type { Usage } from '@wegent/shared';
import { USAGE_TOKEN_FIELDS, addUsage, totalTokens, type UsageTokenField } from './protocol';
import type { Locale, MessageKey, Translate } from './i18n';
import type { Turn } from './turns';

export { totalTokens };

const TOKEN_LABEL: Record<UsageTokenField, MessageKey> = {
  input_tokens: 'usage.input',
  output_tokens: 'usage.output',
  cache_creation_input_tokens: 'usage.cacheWrite',
  cache_read_input_tokens: 'usage.cacheRead',
};

/** "980", "12.3K" / "1.2万": short, in the page's language. */
export function compactNumber(n: number, locale: Locale): string {
  return new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 }).format(n);
}

/** "$0.00088", "$0.012", "$0.31", "$12.40": enough digits that a small cost is not shown as $0.00. */
export function usd(amount: number, locale: Locale): string {
  const tiny = amount > 0 && amount < 0.01;
  const digits: Intl.NumberFormatOptions = tiny
    ? { maximumSignificantDigits: 2 }
    : { minimumFractionDigits: 2, maximumFractionDigits: amount === 0 || amount >= 1 ? 2 : 3 };
  return new Intl.NumberFormat(locale, { style: 'currency', currency: 'USD', ...digits }).format(amount);
}

/** "1.2K tokens" (undefined when no token count was reported). */
export function tokensText(u: Usage | undefined, t: Translate, locale: Locale): string | undefined {
  const n = totalTokens(u);
  return n === undefined ? undefined : t('usage.tokens', { n: compactNumber(n, locale) });
}

/** The exact counts behind the short text: "Input 1,234 · Output 156 · Cache read 8,000". */
export function tokensDetail(u: Usage | undefined, t: Translate, locale: Locale): string {
  const exact = new Intl.NumberFormat(locale);
  return USAGE_TOKEN_FIELDS.filter((f) => u?.[f] !== undefined)
    .map((f) => `${t(TOKEN_LABEL[f])} ${exact.format(u![f]!)}`)
    .join(' · ');
}

/** Every reply of a conversation that reported usage, added up (none: undefined). */
export function conversationUsage(turns: Turn[]): { usage: Usage; replies: number } | undefined {
  const priced = turns.filter((turn) => turn.usage);
  if (!priced.length) return undefined;
  return { usage: priced.reduce<Usage | undefined>((sum, turn) => addUsage(sum, turn.usage), undefined)!, replies: priced.length };
}
