// The limits and rules of attachments (docs/protocol.md "Attachments"): the one definition the
// backend (upload checks), the chat page (shown up front, checked before upload) and the executor
// use. Free of zod, so the chat page's bundle can take it (webview-ui/src/protocol.ts).

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
/** The header a device presents, with its token, to fetch an attachment of its task (`fetch_key`). */
export const ATTACHMENT_FETCH_KEY_HEADER = 'x-wegent-fetch-key';

export const isImageType = (type: string): type is ImageType => (IMAGE_TYPES as readonly string[]).includes(type);

/** Bytes allowed for one attachment of this media type. */
export const attachmentMaxBytes = (mediaType: string): number =>
  mediaType.startsWith('image/') ? ATTACHMENT_LIMITS.imageBytes : ATTACHMENT_LIMITS.fileBytes;

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
