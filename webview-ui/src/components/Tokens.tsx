// Settings → API Token (browser host): generate a token (shown once, with copy and expiry),
// list the account's tokens and revoke them.
import type { ProtocolError, TokenCreated, TokenInfo } from '@wegent/shared';
import { useEffect, useState } from 'preact/hooks';
import { errorText, useT } from '../i18n';
import { useController } from '../useController';

export function Tokens() {
  const t = useT();
  const c = useController();
  const [tokens, setTokens] = useState<TokenInfo[] | null>(null);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<TokenCreated | null>(null);
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** The token whose revocation waits for a confirmation. */
  const [confirming, setConfirming] = useState<string | null>(null);

  const report = (body: unknown) => setError(errorText(t, (body as { error?: ProtocolError } | null)?.error));
  const load = async () => {
    const reply = await c.transport.http<{ tokens: TokenInfo[] }>('GET', '/api/tokens');
    if (reply.status === 200) setTokens(reply.body.tokens.filter((k) => k.kind !== 'login'));
    else report(reply.body);
  };
  useEffect(() => void load(), []);

  const generate = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const reply = await c.transport.http<TokenCreated>('POST', '/api/tokens', name.trim() ? { name: name.trim() } : {});
    if (reply.status !== 201 && reply.status !== 200) return report(reply.body);
    setCreated(reply.body);
    setCopied(false);
    setName('');
    await load();
  };

  const revoke = async (id: string) => {
    setConfirming(null);
    const reply = await c.transport.http('DELETE', `/api/tokens/${encodeURIComponent(id)}`);
    if (reply.status >= 300 && reply.status !== 404) return report(reply.body);
    if (created?.id === id) setCreated(null);
    await load();
  };

  const copy = async () => {
    if (!created) return;
    const ok = (await navigator.clipboard?.writeText(created.token).then(() => true, () => false)) ?? false;
    setCopied(ok);
    // No clipboard access (e.g. plain http on another host): select it for Ctrl+C instead.
    if (!ok) document.querySelector<HTMLInputElement>('.token-value')?.select();
  };

  return (
    <section class="tokens" aria-labelledby="tokens-title">
      <h3 id="tokens-title">{t('settings.tokens')}</h3>
      <p class="hint">{t('settings.tokensHint')}</p>
      <form class="token-form" onSubmit={generate}>
        <label for="token-name">{t('settings.tokenName')}</label>
        <input id="token-name" value={name} maxLength={100} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        <button type="submit">{t('settings.generate')}</button>
      </form>
      {error && <p class="error-text" role="alert">{error}</p>}
      {created && (
        <div class="new-token" role="status">
          <p>{t('settings.newToken')}</p>
          <div class="new-token-row">
            <input class="token-value" readOnly value={created.token} aria-label={t('settings.newToken')} onFocus={(e) => (e.target as HTMLInputElement).select()} />
            <button type="button" onClick={() => void copy()}>{copied ? t('settings.copied') : t('settings.copy')}</button>
          </div>
          <p class="hint">{t('settings.expires', { date: new Date(created.expires_at).toLocaleString() })}</p>
        </div>
      )}
      {tokens && tokens.length === 0 && <p class="empty">{t('settings.noTokens')}</p>}
      {tokens && tokens.length > 0 && (
        <ul class="token-list">
          {tokens.map((k) => (
            <li key={k.id} class="token-item">
              <span class="token-name">{k.name || t('settings.unnamed')}</span>
              <span class="hint">
                {t('settings.created', { date: new Date(k.created_at).toLocaleDateString() })} · {t('settings.expires', { date: new Date(k.expires_at).toLocaleString() })}
              </span>
              <button type="button" class="secondary" aria-label={t('settings.revokeNamed', { name: k.name || k.id })} onClick={() => setConfirming(k.id)}>
                {t('settings.revoke')}
              </button>
              {confirming === k.id && (
                <div class="token-confirm" role="alertdialog" aria-label={t('settings.revokeNamed', { name: k.name || k.id })}>
                  <p>
                    {k.devices?.length
                      ? t('settings.revokeDevices', { name: k.name || k.id, devices: k.devices.map((d) => d.name).join(', ') })
                      : t('settings.revokeNoDevices', { name: k.name || k.id })}
                  </p>
                  <div class="picker-confirm-actions">
                    <button type="button" class="danger" ref={(el) => el?.focus()} onClick={() => void revoke(k.id)}>{t('settings.revoke')}</button>
                    <button type="button" class="secondary" onClick={() => setConfirming(null)}>{t('picker.cancel')}</button>
                  </div>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
