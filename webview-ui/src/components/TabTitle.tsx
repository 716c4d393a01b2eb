// In a browser, the tab's title says when the open conversation waits for an answer ("● Waiting
// for your answer · Wegent"), so a background tab shows it without a notification.
import { useEffect } from 'preact/hooks';
import { openApprovals } from '../approvals';
import { useT } from '../i18n';
import { useAppState, useController } from '../useController';

export function TabTitle() {
  const t = useT();
  const c = useController();
  const { turns } = useAppState();
  const waiting = turns.some((turn) => openApprovals(turn).length > 0);
  useEffect(() => {
    if (c.transport.kind !== 'browser') return;
    document.title = waiting ? `● ${t('approval.waiting')} · ${t('app.title')}` : t('app.title');
  }, [waiting, t, c]);
  return null;
}
