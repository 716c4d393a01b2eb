// Which model the next message asks for: "Default model" (the device's own, nothing sent) or one of
// Claude Code's aliases. Kept per conversation like the mode (a reopened one starts at its last
// message's choice; a new one at Default). A model the conversation used that is not in the list
// (sent by another client) is offered as it is.
import { useT } from '../i18n';
import { MODEL_CHOICES } from '../protocol';
import { useAppState, useController } from '../useController';

const DEFAULT = '';

export function ModelSelect() {
  const t = useT();
  const c = useController();
  const { composerModel } = useAppState();
  const known = (MODEL_CHOICES as readonly string[]).includes(composerModel ?? DEFAULT);
  const hint = composerModel ? t('model.other.hint') : t('model.default.hint');
  return (
    <label class="model-select" title={hint}>
      <span class="sr-only">{t('model.label')}</span>
      <select value={composerModel ?? DEFAULT} onChange={(e) => c.setComposerModel((e.currentTarget as HTMLSelectElement).value || null)}>
        <option value={DEFAULT}>{t('model.default')}</option>
        {MODEL_CHOICES.map((m) => (
          <option key={m} value={m}>{t(`model.${m}`)}</option>
        ))}
        {composerModel && !known && <option value={composerModel}>{composerModel}</option>}
      </select>
    </label>
  );
}
