// Times and durations as a person reads them, in the page's language.
import type { Locale, Translate } from './i18n';

/** "14:03" today, "Dec 1, 14:03" on another day. */
export function clockTime(iso: string, locale: Locale, today = new Date()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const sameDay = d.toDateString() === today.toDateString();
  return new Intl.DateTimeFormat(locale, sameDay ? { hour: 'numeric', minute: '2-digit' } : { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' }).format(d);
}

/** "0.8 s", "42 s", "3 min 5 s", "1 h 2 min". */
export function duration(ms: number, t: Translate): string {
  if (ms < 10_000) return t('time.seconds', { n: (Math.round(ms / 100) / 10).toString() });
  const s = Math.round(ms / 1000);
  if (s < 60) return t('time.seconds', { n: s });
  const m = Math.floor(s / 60);
  if (m < 60) return t('time.minutes', { m, s: s % 60 });
  return t('time.hours', { h: Math.floor(m / 60), m: m % 60 });
}
