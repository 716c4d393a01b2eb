// The selections and files added from the editor ("Wegent: Add Selection to Chat" / "Add File to
// Chat"), shown above the composer until the next message takes them along; each can be removed.
import { contextLabel } from '../context';
import { useT } from '../i18n';
import { useAppState, useController } from '../useController';
import { Icon } from './Icon';

export function ContextChips() {
  const t = useT();
  const c = useController();
  const { attachments } = useAppState();
  if (!attachments.length) return null;
  return (
    <ul class="context-chips" aria-label={t('context.label')}>
      {attachments.map((item, index) => {
        const label = contextLabel(item);
        return (
          <li class="context-chip" key={`${item.kind}:${label}`} title={label}>
            <Icon name={item.kind === 'file' ? 'file' : 'selection'} />
            <span class="context-name">{label}</span>
            <button type="button" class="icon-button" aria-label={t('context.remove', { name: label })} title={t('context.remove', { name: label })} onClick={() => c.detach(index)}>
              <Icon name="close" />
            </button>
          </li>
        );
      })}
    </ul>
  );
}
