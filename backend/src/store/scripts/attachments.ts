// The attachment scripts (lua/attachment*-3.lua): store an upload within the account's cap, claim
// it for a subtask, fetch it once, and release it when the subtask ended. All three keys live at the uploader's home (keys.ts).
import type { AttachmentMeta } from '@wegent/shared';
import { keys } from '../keys';
import { defineScript, pairs, runScript, runnable, type RedisClient } from '../script';

/** The metadata hash's fields the scripts touch by name; `need:<subtask_id>` marks a subtask yet to fetch it. */
const OWNER = 'user_id';
const NEEDS = 'needs';
const needField = (subtaskId: string) => `need:${subtaskId}`;
/** The account index's entry: when it lapses and how many bytes it holds. */
const indexEntry = (expiresMs: number, size: number) => `${expiresMs}:${size}`;

const keysOf = (attachmentId: string, userId: string) => [keys.attachment(attachmentId), keys.attachmentData(attachmentId), keys.userAttachments(userId)];

export interface PutInput {
  meta: AttachmentMeta;
  userId: string;
  data: Buffer;
  expiresMs: number;
  capBytes: number;
}

export const putAttachment = defineScript(
  'attachmentPut-3',
  (i: PutInput) => ({
    keys: keysOf(i.meta.attachment_id, i.userId),
    args: [
      i.meta.attachment_id, Date.now(), i.expiresMs, i.data.length, i.capBytes, i.data as unknown as string, indexEntry(i.expiresMs, i.data.length),
      ...pairs([OWNER, i.userId, 'name', i.meta.name, 'media_type', i.meta.media_type, 'size', i.meta.size, 'kind', i.meta.kind, NEEDS, 0]),
    ],
  }),
  (r) => ({ stored: (r as number[])[0] === 1, heldBytes: Number((r as number[])[1]) }),
);

export const claimAttachment = defineScript(
  'attachmentClaim-3',
  (i: { attachmentId: string; userId: string; subtaskId: string; expiresMs: number; size: number }) => ({
    keys: keysOf(i.attachmentId, i.userId),
    args: [i.attachmentId, i.userId, needField(i.subtaskId), i.expiresMs, indexEntry(i.expiresMs, i.size), OWNER, NEEDS, Date.now()],
  }),
  (r) => r === 1,
);

export const releaseAttachment = defineScript(
  'attachmentRelease-3',
  (i: { attachmentId: string; uploaderId: string; subtaskId: string }) => ({
    keys: keysOf(i.attachmentId, i.uploaderId),
    args: [i.attachmentId, needField(i.subtaskId), NEEDS, Date.now()],
  }),
  (r) => r === 1,
);

const fetchScript = runnable('attachmentFetch-3');

/** The bytes for this subtask's one fetch (then its need is struck), or null: gone, fetched, never claimed. */
export async function fetchAttachment(redis: RedisClient, i: { attachmentId: string; uploaderId: string; subtaskId: string }): Promise<Buffer | null> {
  const args = [...keysOf(i.attachmentId, i.uploaderId), i.attachmentId, needField(i.subtaskId), NEEDS, String(Date.now())];
  // The reply as a Buffer: the bytes come back untouched.
  return (await runScript(redis, fetchScript, args, { buffer: true })) as Buffer | null;
}
