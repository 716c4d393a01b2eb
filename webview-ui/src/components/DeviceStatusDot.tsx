// The coloured dot of S12 (online green, busy yellow, offline red, connection lost hollow red, and
// unknown — no connection to the backend — a grey outline)
// plus the word, so colour is never the only signal.
import type { DeviceDisplayStatus } from '../devices';
import { useT } from '../i18n';

export function DeviceStatusDot({ status, withLabel = false }: { status: DeviceDisplayStatus; withLabel?: boolean }) {
  const t = useT();
  return (
    <span class={`device-status device-status-${status}`}>
      <span class={`codicon codicon-${status === 'lost' ? 'circle-slash' : status === 'unknown' ? 'circle-large-outline' : 'circle-filled'}`} aria-hidden="true" />
      {withLabel ? <span class="device-status-label">{t(`picker.${status}`)}</span> : <span class="sr-only">{t(`picker.${status}`)}</span>}
    </span>
  );
}
