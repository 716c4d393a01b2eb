// One line under each reply: queued #2 / running on "Darwin - MacBook-Pro.local" / completed /
// failed with the error in words / stopped.
import { openApprovals } from '../approvals';
import { displayStatus } from '../devices';
import { CLOUD_DEVICE_ID } from '../protocol';
import { errorText, useT, type Translate } from '../i18n';
import { deviceName, type State, type Turn } from '../state';
import { useAppState, useController } from '../useController';
import { Icon } from './Icon';

export function statusText(t: Translate, state: State, turn: Turn): string {
  switch (turn.status) {
    case 'sending':
      return t('status.sending');
    case 'pending':
      return turn.stopping ? t('status.stopping') : t('status.pending');
    case 'queued':
      if (turn.stopping) return t('status.stopping');
      if (turn.queue_position) return t('status.queued', { position: turn.queue_position });
      return turn.after_subtask_id ? t('status.queuedAfter') : t('status.queuedNoPos');
    case 'running': {
      if (turn.stopping) return t('status.stopping');
      const name = turn.device_id === CLOUD_DEVICE_ID ? t('picker.cloud') : deviceName(state, turn.device_id) ?? turn.device_id;
      // The device's executor went away: say so on the reply at once, not only when the TTL fails it.
      const device = state.devices.find((d) => d.device_id === turn.device_id);
      if (device && displayStatus(device) === 'lost') {
        return `${t('status.running', { name })} · ${t('status.deviceLost', { time: device.offline_at ? new Date(device.offline_at).toLocaleTimeString() : '' })}`;
      }
      return openApprovals(turn).length ? `${t('status.running', { name })} · ${t('approval.waiting')}` : t('status.running', { name });
    }
    case 'completed':
      return t('status.completed');
    case 'failed':
      return t('status.failed', { error: errorText(t, turn.error) });
    case 'cancelled':
      return t('status.cancelled');
  }
}

const ICONS: Record<Turn['status'], string> = {
  sending: 'loading', pending: 'loading', queued: 'watch', running: 'loading',
  completed: 'pass', failed: 'error', cancelled: 'circle-slash',
};

export function StatusLine({ turn }: { turn: Turn }) {
  const t = useT();
  const state = useAppState();
  const c = useController();
  const waiting = turn.status === 'running' && !turn.stopping && openApprovals(turn).length > 0;
  const icon = turn.stopping ? 'loading' : waiting ? 'bell-dot' : ICONS[turn.status];
  return (
    <div class={`status-line status-${turn.status}${waiting ? ' needs-input' : ''}`} data-status={turn.stopping ? 'stopping' : turn.status} data-awaiting-input={waiting || undefined}>
      <Icon name={icon} spin={icon === 'loading'} />
      <span>{statusText(t, state, turn)}</span>
      {turn.status === 'queued' && turn.subtask_id && !turn.stopping && (
        <button type="button" class="secondary cancel-queued" onClick={() => void c.cancel(turn.subtask_id!)} disabled={state.connection !== 'connected'}>
          <Icon name="close" /> {t('chat.cancelQueued')}
        </button>
      )}
      {turn.status === 'failed' && (
        <button type="button" class="secondary retry" onClick={() => void c.retry(turn.key)} disabled={state.connection !== 'connected'}>
          <Icon name="refresh" /> {t('chat.retry')}
        </button>
      )}
    </div>
  );
}
