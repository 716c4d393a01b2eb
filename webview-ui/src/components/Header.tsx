// The top bar: connection state, new conversation, history, settings.
import { useT } from '../i18n';
import { otherConversationsWaiting, type View } from '../state';
import { useAppState, useController } from '../useController';
import { Icon } from './Icon';

export function Header() {
  const t = useT();
  const c = useController();
  const state = useAppState();
  const signedIn = !!state.info?.signed_in;
  const toggle = (view: View) => c.setView(state.view === view ? 'chat' : view);
  const waiting = otherConversationsWaiting(state);
  // The sidebar view's title bar has the gear (wegent.chatSettings toggles this chat's settings): one gear, not two.
  const viewHasGear = state.info?.host === 'vscode' && state.info.surface === 'sidebar';
  const historyLabel = waiting ? t('app.historyWaiting', { count: waiting }) : t('app.history');
  return (
    <header class="header">
      {/* In VS Code the view's own title says "Wegent" already: kept for screen readers only. */}
      <h1 class={c.transport.kind === 'vscode' ? 'title sr-only' : 'title'}>{t('app.title')}</h1>
      <span class={`connection connection-${state.connection}`} role="status" title={state.connectionMessage}>
        <Icon name={state.connection === 'connected' ? 'pass-filled' : state.connection === 'connecting' ? 'loading' : 'debug-disconnect'} spin={state.connection === 'connecting'} />
        <span class="connection-label">{t(`connection.${state.connection}`)}</span>
      </span>
      <span class="spacer" />
      {signedIn && (
        <nav class="header-actions" aria-label={t('app.title')}>
          <button type="button" class="icon-button" aria-label={t('app.newConversation')} title={t('app.newConversation')} onClick={() => c.newConversation()}>
            <Icon name="add" />
          </button>
          <button type="button" class={`icon-button${waiting ? ' has-badge' : ''}`} aria-pressed={state.view === 'history'} aria-label={historyLabel} title={historyLabel} onClick={() => toggle('history')}>
            <Icon name="history" />
            {waiting > 0 && <span class="badge" aria-hidden="true">{waiting}</span>}
          </button>
          {!viewHasGear && (
          <button type="button" class="icon-button" aria-pressed={state.view === 'settings'} aria-label={t('app.settings')} title={t('app.settings')} onClick={() => toggle('settings')}>
            <Icon name="gear" />
          </button>
          )}
        </nav>
      )}
    </header>
  );
}
