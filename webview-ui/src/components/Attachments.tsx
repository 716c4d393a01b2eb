// Attachments: the strip above the composer (thumbnails or file chips, each removable, the limits
// said up front) and the list under a sent message (name, size, thumbnail while this page has it).
import { ATTACHMENT_LIMITS, attachmentMaxBytes } from '../protocol';
import { useT } from '../i18n';
import { mb, sizeText, type PendingFile, type TurnFile } from '../outgoing';
import { useAppState, useController } from '../useController';
import { Icon } from './Icon';

export const LIMITS_ID = 'attach-limits';

/** The limits in a sentence, from the one definition in shared/. */
export function useLimitsText(): string {
  const t = useT();
  return t('attach.limits', {
    count: ATTACHMENT_LIMITS.perMessage, total: mb(ATTACHMENT_LIMITS.messageBytes),
    image: mb(attachmentMaxBytes('image/png')), file: mb(attachmentMaxBytes('text/plain')),
  });
}

function Thumb({ file }: { file: PendingFile | TurnFile }) {
  return file.preview ? <img class="attachment-thumb" src={file.preview} alt="" /> : <Icon name={file.kind === 'image' ? 'file-media' : 'file'} />;
}

export function AttachmentStrip({ refused }: { refused: string[] }) {
  const t = useT();
  const c = useController();
  const { outgoing } = useAppState();
  const limits = useLimitsText();
  return (
    <div class="attachment-strip">
      {outgoing.length > 0 && (
        <ul class="attachment-list" aria-label={t('attach.list')}>
          {outgoing.map((f) => (
            <li class="attachment-chip" key={f.local_id} title={`${f.name} · ${sizeText(f.size)}`}>
              <Thumb file={f} />
              <span class="attachment-name">{f.name}</span>
              <span class="attachment-size">{sizeText(f.size)}</span>
              <button type="button" class="icon-button" aria-label={t('attach.remove', { name: f.name })} title={t('attach.remove', { name: f.name })} onClick={() => c.removeFile(f.local_id)}>
                <Icon name="close" />
              </button>
            </li>
          ))}
        </ul>
      )}
      {refused.map((r, i) => (
        <p key={i} class="composer-hint attachment-refused" role="alert">
          <Icon name="warning" /> <span>{r}</span>
        </p>
      ))}
      <p id={LIMITS_ID} class="attachment-limits">{limits}</p>
    </div>
  );
}

/** Under a message: what it carried. */
export function SentAttachments({ files }: { files: TurnFile[] }) {
  const t = useT();
  return (
    <ul class="attachment-list sent" aria-label={t('attach.sent')}>
      {files.map((f) => (
        <li class="attachment-chip" key={f.attachment_id} title={`${f.name} · ${f.media_type} · ${sizeText(f.size)}`}>
          <Thumb file={f} />
          <span class="attachment-name">{f.name}</span>
          <span class="attachment-size">{sizeText(f.size)}</span>
        </li>
      ))}
    </ul>
  );
}
