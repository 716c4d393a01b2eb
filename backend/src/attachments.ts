// Attachments (docs/protocol.md "Attachments"): an upload is kept in Redis with an expiry, claimed
// by the message that names it, fetched once by the device of each subtask that needs it (with a
// key only that device was sent) and deleted then. Nothing of it outlives its TTL; history keeps
// the metadata (name, type, size) with the subtask.
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  ATTACHMENT_LIMITS, ErrorCode, WegentError, isFinalStatus,
  type AttachmentMeta, type AttachmentRef, type UserView,
} from '@wegent/shared';
import { checkUpload } from './attachmentTypes';
import type { Devices } from './devices';
import { idHome, keys, newId, userHome } from './store/keys';
import type { RedisClient } from './store/redis';
import { claimAttachment, fetchAttachment, putAttachment, releaseAttachment } from './store/scripts/attachments';
import type { Tasks } from './tasks';

export interface AttachmentTtls {
  /** An upload no message named. */
  unusedMs: number;
  /** A sent one waiting for its device. */
  sentMs: number;
}

export function attachmentNotFound(id: string): WegentError {
  return new WegentError(ErrorCode.ATTACHMENT_NOT_FOUND, `No attachment "${id}" in your account: it expired, was already delivered, or never existed. Attach the file again.`, 404);
}

export class Attachments {
  constructor(
    private readonly redis: RedisClient,
    private readonly secret: string,
    private readonly ttl: AttachmentTtls,
    private readonly tasks: Tasks,
    private readonly devices: Devices,
  ) {}

  /** Stores an upload (checked: type, size, the account's cap); it expires unless a message names it. */
  async upload(user: UserView, rawName: string, declaredType: string, data: Buffer): Promise<AttachmentMeta & { expires_at: string }> {
    const { name, mediaType, kind } = checkUpload(rawName, declaredType, data);
    const meta: AttachmentMeta = { attachment_id: newId('att', userHome(user.id)), name, media_type: mediaType, size: data.length, kind };
    const expiresMs = Date.now() + this.ttl.unusedMs;
    const r = await putAttachment(this.redis, { meta, userId: user.id, data, expiresMs, capBytes: ATTACHMENT_LIMITS.heldBytes });
    if (!r.stored) {
      throw new WegentError(ErrorCode.LIMIT_EXCEEDED, `Your account already holds ${mb(r.heldBytes)} of attachments not yet delivered (at most ${mb(ATTACHMENT_LIMITS.heldBytes)}). Wait for them to reach their device or expire.`, 429);
    }
    return { ...meta, expires_at: new Date(expiresMs).toISOString() };
  }

  /** The metadata of the ids a message names, checked before anything is written (chat:send). */
  async forMessage(userId: string, ids: string[]): Promise<AttachmentMeta[]> {
    const unique = [...new Set(ids)];
    const metas = await Promise.all(unique.map(async (id) => {
      // One minted at another home is not this account's (and must not meet its keys: keys.ts).
      if (idHome(id) !== userHome(userId)) throw attachmentNotFound(id);
      const [owner, name, mediaType, size, kind] = await this.redis.hmget(keys.attachment(id), 'user_id', 'name', 'media_type', 'size', 'kind');
      if (owner !== userId || !name || !mediaType || (kind !== 'image' && kind !== 'file')) throw attachmentNotFound(id);
      return { attachment_id: id, name, media_type: mediaType, size: Number(size), kind } satisfies AttachmentMeta;
    }));
    const total = metas.reduce((n, m) => n + m.size, 0);
    if (total > ATTACHMENT_LIMITS.messageBytes) {
      throw new WegentError(ErrorCode.PAYLOAD_TOO_LARGE, `These attachments come to ${mb(total)}; one message takes at most ${mb(ATTACHMENT_LIMITS.messageBytes)}.`, 413);
    }
    return metas;
  }

  /** The subtask will fetch them: they live until it has (at most the sent TTL). False: one was gone by now. */
  async claim(userId: string, subtaskId: string, metas: AttachmentMeta[]): Promise<boolean> {
    const expiresMs = Date.now() + this.ttl.sentMs;
    const ok = await Promise.all(metas.map((m) => claimAttachment(this.redis, { attachmentId: m.attachment_id, userId, subtaskId, expiresMs, size: m.size })));
    return ok.every(Boolean);
  }

  /** What task:execute carries: each attachment with the key only the subtask's device learns. */
  refs(subtaskId: string, metas: AttachmentMeta[] | null): AttachmentRef[] | undefined {
    if (!metas?.length) return undefined;
    return metas.map((m) => ({ ...m, fetch_key: this.fetchKey(m.attachment_id, subtaskId) }));
  }

  /**
   * A device fetches one attachment of its subtask, once. Refused alike (ATTACHMENT_NOT_FOUND) for a
   * wrong key, a subtask that is not on a device of the caller's or has ended, a repeat, an expiry.
   */
  async fetch(caller: UserView, attachmentId: string, subtaskId: string, key: string): Promise<{ meta: AttachmentMeta; data: Buffer }> {
    if (!this.keyMatches(attachmentId, subtaskId, key)) throw attachmentNotFound(attachmentId);
    const s = await this.tasks.getSubtask(subtaskId);
    const meta = s?.attachments?.find((m) => m.attachment_id === attachmentId);
    if (!s || !meta || isFinalStatus(s.status)) throw attachmentNotFound(attachmentId);
    const device = await this.devices.get(idHome(subtaskId), s.device_id);
    if (device?.user_id !== caller.id) throw attachmentNotFound(attachmentId);
    const data = await fetchAttachment(this.redis, { attachmentId, uploaderId: s.user_id, subtaskId });
    if (!data) throw attachmentNotFound(attachmentId);
    return { meta, data };
  }

  /** The subtask ended: what it had not fetched (cancelled, failed before) goes now unless another needs it. */
  async release(s: { subtask_id: string; user_id: string; attachments: AttachmentMeta[] | null }): Promise<void> {
    await Promise.all((s.attachments ?? []).map((m) => releaseAttachment(this.redis, { attachmentId: m.attachment_id, uploaderId: s.user_id, subtaskId: s.subtask_id })));
  }

  private fetchKey(attachmentId: string, subtaskId: string): string {
    return createHmac('sha256', this.secret).update(`attachment-fetch\n${attachmentId}\n${subtaskId}`).digest('base64url');
  }

  private keyMatches(attachmentId: string, subtaskId: string, key: string): boolean {
    const want = Buffer.from(this.fetchKey(attachmentId, subtaskId));
    const got = Buffer.from(key);
    return got.length === want.length && timingSafeEqual(got, want);
  }
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
