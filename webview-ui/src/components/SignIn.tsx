// Signed out. Browser: a password form (POST /api/auth/login). VS Code: the token is set through
// the extension's command, so offer that instead.
import { useState } from 'preact/hooks';
import { errorText, useT } from '../i18n';
import { useAppState, useController } from '../useController';

export function SignIn() {
  const t = useT();
  const c = useController();
  const state = useAppState();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  if (c.transport.kind === 'vscode') {
    return (
      <section class="panel signin welcome" aria-labelledby="signin-title">
        <h2 id="signin-title">{t('signin.vscodeTitle')}</h2>
        <p>{t('signin.vscode')}</p>
        {/* Error styling only for a real refusal (expired, revoked, mistyped); a new user or a
            deliberate Sign Out gets the steps, not an error. */}
        {state.connectionMessage && <p class="error-text" role="alert">{state.connectionMessage}</p>}
        <ol class="welcome-steps">
          <li>
            {t('signin.stepToken')}{' '}
            <button type="button" class="link-button" onClick={() => c.transport.command?.('openWegent')}>{t('signin.openWegent')}</button>
          </li>
          <li>{t('signin.stepPaste')}</li>
          <li>{t('signin.stepFolder')}</li>
        </ol>
        <div class="settings-actions">
          <button type="button" onClick={() => c.transport.command?.('setToken')}>{t('signin.setToken')}</button>
          <button type="button" class="secondary" onClick={() => c.transport.command?.('openWalkthrough')}>{t('signin.walkthrough')}</button>
        </div>
      </section>
    );
  }

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const result = await c.transport.signIn!(username.trim(), password);
    setBusy(false);
    // A password form says "password", not "token" (AUTH_INVALID covers both elsewhere).
    if (!result.ok) setError(result.error.code === 'AUTH_INVALID' ? t('signin.wrong') : errorText(t, result.error));
    else setPassword('');
  };

  return (
    <form class="panel signin" aria-labelledby="signin-title" onSubmit={submit}>
      <h2 id="signin-title">{t('signin.title')}</h2>
      {state.connectionMessage && !error && <p class="hint" role="status">{state.connectionMessage}</p>}
      <label for="signin-username">{t('signin.username')}</label>
      <input id="signin-username" autoComplete="username" value={username} required onInput={(e) => setUsername((e.target as HTMLInputElement).value)} />
      <label for="signin-password">{t('signin.password')}</label>
      <input id="signin-password" type="password" autoComplete="current-password" value={password} required onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
      {error && <p class="error-text" role="alert">{error}</p>}
      <button type="submit" disabled={busy}>{busy ? t('signin.busy') : t('signin.submit')}</button>
    </form>
  );
}
