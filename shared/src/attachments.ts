// Attachments: images and files sent with a chat message (docs/protocol.md "Attachments"). The one
// definition of their limits and types, used by the backend (upload checks), the chat page (shown up
// front, checked before upload) and the executor (what it expects to fetch).
import { z } from 'zod';
import { OpaqueId } from './ids';

/** What Claude takes as image input; any other `image/*` type is refused (UNSUPPORTED_TYPE). */
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;
export type ImageType = (typeof IMAGE_TYPES)[number];

export const ATTACHMENT_LIMITS = {
  /** Attachments per message. */
  perMessage: 10,
  /** One image: the Anthropic API's limit per image. */
  imageBytes: 5 * 1024 * 1024,
  /** One other file. */
  fileBytes: 10 * 1024 * 1024,
  /** All attachments of one message together. */
  messageBytes: 25 * 1024 * 1024,
  /** What one account may hold on the backend at once (uploaded, not yet fetched by its device). */
  heldBytes: 100 * 1024 * 1024,
  /** A file name (the part after the last slash). */
  nameChars: 200,
} as const;

/** An upload not sent with a message within this time expires (nothing is left behind). */
export const ATTACHMENT_UNUSED_TTL_MS = 15 * 60_000;
/** A sent attachment waits this long at most for its device to fetch it (a queued message included). */
export const ATTACHMENT_TTL_MS = 60 * 60_000;
/** After the last device that needs it fetched it, its bytes stay this long (a retried download), then go. */
export const ATTACHMENT_FETCHED_GRACE_MS = 30_000;

/** The header a device presents, with its token, to fetch an attachment of its task (`fetch_key`). */
export const ATTACHMENT_FETCH_KEY_HEADER = 'x-wegent-fetch-key';

export const AttachmentKind = z.enum(['image', 'file']);
export type AttachmentKind = z.infer<typeof AttachmentKind>;

export const isImageType = (type: string): type is ImageType => (IMAGE_TYPES as readonly string[]).includes(type);

/** Bytes allowed for one attachment of this media type. */
export const attachmentMaxBytes = (mediaType: string): number =>
  mediaType.startsWith('image/') ? ATTACHMENT_LIMITS.imageBytes : ATTACHMENT_LIMITS.fileBytes;

/** What the chat page says up front, next to the attach button. */
export function attachmentLimitsText(): string {
  const mb = (n: number) => `${Math.round(n / 1024 / 1024)} MB`;
  return `Up to ${ATTACHMENT_LIMITS.perMessage} files, ${mb(ATTACHMENT_LIMITS.messageBytes)} in all: images (PNG, JPEG, GIF, WebP) up to ${mb(ATTACHMENT_LIMITS.imageBytes)}, other files up to ${mb(ATTACHMENT_LIMITS.fileBytes)}.`;
}

/** An attachment as history and the device know it: metadata only, never its bytes. */
export const AttachmentMeta = z.object({
  attachment_id: OpaqueId,
  name: z.string().min(1).max(ATTACHMENT_LIMITS.nameChars),
  media_type: z.string().min(1).max(255),
  size: z.number().int().min(0),
  kind: AttachmentKind,
});
export type AttachmentMeta = z.infer<typeof AttachmentMeta>;

/** `POST /api/attachments` (201): the upload, to be named in `chat:send.attachments` before `expires_at`. */
export const AttachmentUploaded = z.object({
  attachment: AttachmentMeta.extend({ expires_at: z.string().describe('ISO-8601 time in UTC: unused until then, it is gone') }),
});
export type AttachmentUploaded = z.infer<typeof AttachmentUploaded>;

/** An attachment as `task:execute` carries it: the metadata and the key this device fetches it with. */
export const AttachmentRef = AttachmentMeta.extend({
  fetch_key: z.string().min(1).max(128).describe(`Sent as the ${ATTACHMENT_FETCH_KEY_HEADER} header of GET /api/attachments/:id?subtask_id=…`),
});
export type AttachmentRef = z.infer<typeof AttachmentRef>;

/** `chat:send.attachments`: ids from `POST /api/attachments`. */
export const AttachmentIds = z.array(OpaqueId).max(ATTACHMENT_LIMITS.perMessage, `at most ${ATTACHMENT_LIMITS.perMessage} attachments per message`);

/**
 * A file name safe to show and to save: the part after the last slash, without control characters
 * or characters Windows refuses, no leading dots (no hidden files, never "." or ".."), at most
 * nameChars. Backend (on upload) and executor (before saving) both apply it.
 */
export function safeFileName(raw: string): string {
  const base = raw.split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_').replace(/\s+/g, ' ').replace(/^[\s.]+|[\s.]+$/g, '');
  const cut = cleaned.length > ATTACHMENT_LIMITS.nameChars ? cleaned.slice(cleaned.length - ATTACHMENT_LIMITS.nameChars).replace(/^[\s.]+/, '') : cleaned;
  return cut || 'attachment';
}
