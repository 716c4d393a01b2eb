// How much the next message may do: Plan only / Ask before changes / Accept edits / Full access.
// Kept per conversation (a reopened one starts at its last message's mode; a new one at the
// default). The device's own setting is a ceiling: when it is lower, the reply says what ran.
import type { PermissionMode } from '@wegent/shared';
import { useT } from '../i18n';
import { PERMISSION_MODES } from '../protocol';
import { useAppState, useController } from '../useController';

export function ModeSelect() {
  const t = useT();
  const c = useController();
  const { composerMode } = useAppState();
  return (
    <label class="mode-select" title={t(`mode.${composerMode}.hint`)}>
      <span class="sr-only">{t('mode.label')}</span>
      <select
        value={composerMode}
        aria-describedby="mode-hint"
        onChange={(e) => c.setComposerMode((e.currentTarget as HTMLSelectElement).value as PermissionMode)}
      >
        {PERMISSION_MODES.map((m) => (
          <option key={m} value={m}>{t(`mode.${m}`)}</option>
        ))}
      </select>
      <span id="mode-hint" class="sr-only">{t(`mode.${composerMode}.hint`)}</span>
    </label>
  );
}
