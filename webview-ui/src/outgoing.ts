// Files the user attached to the next message (pasted, dropped or picked), checked against the one
// definition of the limits (shared/ ATTACHMENT_LIMITS) before anything is uploaded. Uploaded when
// the message is sent; the transcript shows them by name, size and (images) a thumbnail.
import type { AttachmentKind, AttachmentMeta } from '@wegent/shared';
import { ATTACHMENT_LIMITS, attachmentMaxBytes, isImageType, safeFileName } from './protocol';

export interface PendingFile {
  local_id: string;
  blob: Blob;
  name: string;
  media_type: string;
  size: number;
  kind: AttachmentKind;
  /** An image's thumbnail: a data: URL of it (the pages' CSP allows data: images). */
  preview?: string;
}

/** An attachment as a turn shows it: the metadata, and a thumbnail where this page still has one. */
export type TurnFile = AttachmentMeta & { preview?: string };

/** Why a file cannot be added: an i18n key and its values. */
export interface Refusal {
  key: 'attach.tooMany' | 'attach.tooLarge' | 'attach.totalTooLarge' | 'attach.badImage' | 'attach.empty';
  params: Record<string, string | number>;
}

export const mb = (bytes: number): string => `${Math.round(bytes / 1024 / 1024)} MB`;

/** "1.2 MB", "34 KB", "12 B". */
export function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} B`;
}

let counter = 0;

/** Adds what fits, in order; says why each other file was left out. */
export function addFiles(existing: PendingFile[], files: File[]): { files: PendingFile[]; refused: Refusal[] } {
  const out = [...existing];
  const refused: Refusal[] = [];
  for (const f of files) {
    const name = safeFileName(f.name || 'pasted');
    const type = (f.type || 'application/octet-stream').toLowerCase();
    const total = out.reduce((n, p) => n + p.size, 0);
    if (out.length >= ATTACHMENT_LIMITS.perMessage) refused.push({ key: 'attach.tooMany', params: { name, max: ATTACHMENT_LIMITS.perMessage } });
    else if (f.size === 0) refused.push({ key: 'attach.empty', params: { name } });
    else if (type.startsWith('image/') && !isImageType(type)) refused.push({ key: 'attach.badImage', params: { name } });
    else if (f.size > attachmentMaxBytes(type)) refused.push({ key: 'attach.tooLarge', params: { name, max: mb(attachmentMaxBytes(type)) } });
    else if (total + f.size > ATTACHMENT_LIMITS.messageBytes) refused.push({ key: 'attach.totalTooLarge', params: { name, max: mb(ATTACHMENT_LIMITS.messageBytes) } });
    else out.push({ local_id: `file-${++counter}`, blob: f, name, media_type: type, size: f.size, kind: isImageType(type) ? 'image' : 'file' });
  }
  return { files: out, refused };
}

/** An image's data: URL for its thumbnail. */
export function readPreview(blob: Blob): Promise<string | undefined> {
  return new Promise((resolve) => {
    const reader = new FileReader();
    reader.onload = () => resolve(typeof reader.result === 'string' ? reader.result : undefined);
    reader.onerror = () => resolve(undefined);
    reader.readAsDataURL(blob);
  });
}
