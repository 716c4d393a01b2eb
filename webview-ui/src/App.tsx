// Layout: header, an error notice when there is one, then the chat, history or settings.
import { useMemo } from 'preact/hooks';
import { Composer } from './components/Composer';
import { ConnectionBanner } from './components/ConnectionBanner';
import { Header } from './components/Header';
import { History } from './components/History';
import { Icon } from './components/Icon';
import { NotifyOffer } from './components/NotifyOffer';
import { TabTitle } from './components/TabTitle';
import { Settings } from './components/Settings';
import { SignIn } from './components/SignIn';
import { Transcript } from './components/Transcript';
import { I18n, pickLocale, translator, useT } from './i18n';
import { useAppState, useController } from './useController';

export function App() {
  const state = useAppState();
  const locale = pickLocale(state.info?.locale ?? navigator.language);
  const i18n = useMemo(() => ({ locale, t: translator(locale) }), [locale]);
  const signedIn = !!state.info?.signed_in && state.connection !== 'signed-out';
  return (
    <I18n.Provider value={i18n}>
      <div class="app" lang={locale}>
        <Header />
        <NoticeBar />
        <main class="main">
          {!state.info ? null : !signedIn ? (
            <SignIn />
          ) : state.view === 'history' ? (
            <History />
          ) : state.view === 'settings' ? (
            <Settings />
          ) : (
            <>
              <Transcript />
              <TabTitle />
              <NotifyOffer />
              <Composer key={state.composerKey} />
            </>
          )}
        </main>
      </div>
    </I18n.Provider>
  );
}

function NoticeBar() {
  const t = useT();
  const c = useController();
  const { notice, connection } = useAppState();
  // While the connection is down, say why and where (S18: "backend unreachable → the URL it tried"), and offer Retry.
  const banner = connection === 'disconnected' ? <ConnectionBanner /> : null;
  if (!notice) return banner;
  return (
    <>
    {banner}
    <div class={`notice notice-${notice.kind}`} role="alert">
      <span>{notice.text}</span>
      <button type="button" class="icon-button" aria-label={t('app.dismiss')} title={t('app.dismiss')} onClick={() => c.dismissNotice()}>
        <Icon name="close" />
      </button>
    </div>
    </>
  );
}
