// Attachments: images and files sent with a chat message (docs/protocol.md "Attachments"): the
// schemas of what travels. Their limits and rules are in attachmentLimits.ts (zod-free).
import { z } from 'zod';
import { OpaqueId } from './ids';
import { ATTACHMENT_FETCH_KEY_HEADER, ATTACHMENT_LIMITS } from './attachmentLimits';

export * from './attachmentLimits';

export const AttachmentKind = z.enum(['image', 'file']);
export type AttachmentKind = z.infer<typeof AttachmentKind>;

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

