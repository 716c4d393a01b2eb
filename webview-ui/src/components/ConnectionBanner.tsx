// While the chat cannot hear the backend: what is wrong, in words (the host's sentence: which URL,
// refused / not found / timed out / closed), that it retries by itself, and Retry to reconnect now.
import { useEffect, useState } from 'preact/hooks';
import { useT } from '../i18n';
import { useAppState, useController } from '../useController';
import { Icon } from './Icon';

export function ConnectionBanner() {
  const t = useT();
  const c = useController();
  const { connection, connectionMessage, info } = useAppState();
  const [retrying, setRetrying] = useState(false);
  // A retry ends with the next state the host reports (connecting → connected, or down again).
  useEffect(() => setRetrying(false), [connection, connectionMessage]);
  if (connection !== 'disconnected') return null;
  const text = connectionMessage ?? t('connection.lostTo', { url: info?.backend_url ?? '' });
  return (
    <div class="notice notice-offline" role="status">
      <Icon name="debug-disconnect" />
      <span class="notice-text">{text}</span>
      {c.transport.reconnect && (
        <button
          type="button"
          class="secondary notice-action"
          aria-label={t('app.retryLabel')}
          title={t('app.retryLabel')}
          disabled={retrying}
          onClick={() => {
            setRetrying(true);
            c.transport.reconnect!();
          }}
        >
          <Icon name={retrying ? 'loading' : 'refresh'} spin={retrying} /> {t(retrying ? 'app.retrying' : 'app.retry')}
        </button>
      )}
    </div>
  );
}
