// Settings → Usage: what the user's replies cost over the last days, per device (GET /api/usage,
// the caller's own only). Only what devices reported: a device that reported no cost shows none.
import type { UsageSummary, UsageTotals } from '@wegent/shared';
import { useEffect, useState } from 'preact/hooks';
import { errorText, useLocale, useT, type Translate } from '../i18n';
import { CLOUD_DEVICE_ID, USAGE_LIMITS } from '../protocol';
import { tokensDetail, totalTokens, usd } from '../usage';
import { useController } from '../useController';

export function UsagePanel() {
  const t = useT();
  const locale = useLocale();
  const c = useController();
  const [summary, setSummary] = useState<UsageSummary | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void c.transport.http<UsageSummary>('GET', '/api/usage').then((r) => {
      if (r.status === 200) setSummary(r.body);
      else setError(errorText(t, (r.body as { error?: { code: string; message: string } } | null)?.error));
    });
  }, []);
  const days = USAGE_LIMITS.defaultDays;
  const exact = new Intl.NumberFormat(locale);
  const row = (key: string, label: string, u: UsageTotals, cls = '') => {
    const tokens = totalTokens(u);
    return (
      <tr key={key} class={cls} data-device-id={cls ? undefined : key}>
        <th scope="row">{label}</th>
        <td>{exact.format(u.replies)}</td>
        <td title={tokensDetail(u, t, locale) || undefined}>{tokens === undefined ? '—' : exact.format(tokens)}</td>
        <td>{u.total_cost_usd === undefined ? '—' : usd(u.total_cost_usd, locale)}</td>
      </tr>
    );
  };
  return (
    <section class="usage" aria-labelledby="usage-title">
      <h3 id="usage-title">{t('usage.title')}</h3>
      <p class="hint">{t('usage.range', { days })}</p>
      {error && <p class="error-text" role="alert">{error}</p>}
      {summary && summary.devices.length === 0 && <p class="empty">{t('usage.none', { days })}</p>}
      {summary && summary.devices.length > 0 && (
        <table class="usage-table">
          <thead>
            <tr>
              <th scope="col">{t('usage.device')}</th>
              <th scope="col">{t('usage.replies')}</th>
              <th scope="col">{t('usage.tokensHeader')}</th>
              <th scope="col">{t('usage.cost')}</th>
            </tr>
          </thead>
          <tbody>{summary.devices.map((d) => row(d.device_id, deviceLabel(t, d.device_id, d.name), d))}</tbody>
          {summary.devices.length > 1 && <tfoot>{row('total', t('usage.total'), summary.total, 'usage-total')}</tfoot>}
        </table>
      )}
    </section>
  );
}

function deviceLabel(t: Translate, id: string, name: string | undefined): string {
  if (id === CLOUD_DEVICE_ID) return t('picker.cloud');
  return name ?? t('usage.deleted', { id });
}
