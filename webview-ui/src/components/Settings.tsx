// Settings: in the browser, account and API tokens; in VS Code, the extension's own commands
// (the token lives in VS Code's SecretStorage, never in this page).
import type { UserView } from '@wegent/shared';
import { useEffect, useState } from 'preact/hooks';
import { useT } from '../i18n';
import { useAppState, useController } from '../useController';
import { Tokens } from './Tokens';
import { UsagePanel } from './UsagePanel';

export function Settings() {
  const t = useT();
  const c = useController();
  const state = useAppState();
  const vscode = c.transport.kind === 'vscode';
  const [user, setUser] = useState<UserView | null>(null);
  useEffect(() => {
    void c.transport.http<{ user: UserView }>('GET', '/api/me').then((r) => r.status === 200 && setUser(r.body.user));
  }, []);
  return (
    <section class="panel settings" aria-labelledby="settings-title">
      <div class="panel-head">
        <h2 id="settings-title">{t('settings.title')}</h2>
      </div>
      {user && (
        <p class="settings-account">
          {t('settings.account', { name: user.username })}
          {user.role === 'operator' && <span class="hint"> · {t('settings.operator')}</span>}
        </p>
      )}
      {vscode ? (
        <div class="settings-actions">
          {/* Connect is the main action only while this window's device is not connected. */}
          {state.info?.local_device_id ? (
            <button type="button" class="secondary" onClick={() => c.transport.command?.('disconnectDevice')}>{t('settings.disconnectDevice')}</button>
          ) : (
            <button type="button" onClick={() => c.transport.command?.('connectDevice')}>{t('signin.connectDevice')}</button>
          )}
          <button type="button" class="secondary" onClick={() => c.transport.command?.('setToken')}>{t('signin.setToken')}</button>
          <button type="button" class="secondary" onClick={() => c.transport.command?.('showOutput')}>{t('settings.showOutput')}</button>
          <button type="button" class="secondary" onClick={() => c.transport.command?.('openSettings')}>{t('settings.openSettings')}</button>
        </div>
      ) : (
        <>
          <Tokens />
          <div class="settings-actions">
            <button type="button" class="secondary" onClick={() => c.transport.signOut?.()}>{t('settings.signOut')}</button>
          </div>
        </>
      )}
      <UsagePanel />
      {state.info && <p class="hint">{state.info.backend_url}</p>}
    </section>
  );
}
