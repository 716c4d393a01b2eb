// Asks once, with the reason, whether the page may notify while it is in the background. Shown in
// a browser after the first message of the session, never again after an answer or "Not now".
import { useState } from 'preact/hooks';
import { useT } from '../i18n';
import { dismissOffer, shouldOffer } from '../notify';
import { useAppState, useController } from '../useController';
import { Icon } from './Icon';

export function NotifyOffer() {
  const t = useT();
  const c = useController();
  const { turns } = useAppState();
  const [open, setOpen] = useState(() => c.transport.kind === 'browser' && shouldOffer());
  if (!open || turns.length === 0) return null;
  return (
    <div class="notice notice-info notify-offer" role="status">
      <Icon name="bell" />
      <span>{t('notify.offer')}</span>
      <button type="button" onClick={() => {
        setOpen(false);
        dismissOffer();
        void Notification.requestPermission();
      }}>{t('notify.enable')}</button>
      <button type="button" class="secondary" onClick={() => {
        setOpen(false);
        dismissOffer();
      }}>{t('notify.later')}</button>
    </div>
  );
}
