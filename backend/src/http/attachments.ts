// POST /api/attachments (an upload, raw bytes: Content-Type its type, ?name= its file name) → 201
// AttachmentUploaded; GET /api/attachments/:id?subtask_id= (a device, with its token and the
// fetch key task:execute gave it) → the bytes, once. Mounted before the JSON body parser: a JSON
// file is a file like any other here.
import type { IncomingMessage } from 'node:http';
import { Router } from '@koa/router';
import { ATTACHMENT_FETCH_KEY_HEADER, ErrorCode, OpaqueId, WegentError, attachmentMaxBytes, type AttachmentUploaded } from '@wegent/shared';
import { attachmentNotFound } from '../attachments';
import { mediaTypeOf, tooLarge } from '../attachmentTypes';
import type { Services } from '../services';
import { principal, requireAuth, type AppState } from './context';

/** The request body, refused (413) as soon as it passes `max` bytes — before it is read when its length says so. */
async function readBody(req: IncomingMessage, mediaType: string): Promise<Buffer> {
  const max = attachmentMaxBytes(mediaType);
  const declared = Number(req.headers['content-length']);
  const early = Number.isFinite(declared) ? tooLarge(mediaType, declared) : null;
  if (early) throw early;
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw tooLarge(mediaType, size)!;
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}

export function attachmentRoutes(svc: Services): Router<AppState> {
  const router = new Router<AppState>();
  router.use('/api/attachments', requireAuth(svc));

  router.post('/api/attachments', async (ctx) => {
    const mediaType = mediaTypeOf(ctx.get('content-type'));
    const name = typeof ctx.query.name === 'string' ? ctx.query.name : '';
    if (!name.trim()) throw new WegentError(ErrorCode.INVALID_PAYLOAD, 'Name the file: POST /api/attachments?name=<file name>.', 400);
    let data: Buffer;
    try {
      data = await readBody(ctx.req, mediaType);
    } catch (err) {
      ctx.set('Connection', 'close'); // the rest of an over-size body is not read
      throw err;
    }
    const attachment = await svc.attachments.upload(principal(ctx).user, name, mediaType, data);
    ctx.status = 201;
    ctx.body = { attachment } satisfies AttachmentUploaded;
  });

  router.get('/api/attachments/:id', async (ctx) => {
    const id = ctx.params.id;
    const subtaskId = ctx.query.subtask_id;
    if (!OpaqueId.safeParse(id).success) throw attachmentNotFound(String(id).slice(0, 128));
    if (typeof subtaskId !== 'string' || !OpaqueId.safeParse(subtaskId).success) {
      throw new WegentError(ErrorCode.INVALID_PAYLOAD, 'Name the subtask that needs it: ?subtask_id=<id>.', 400);
    }
    const { meta, data } = await svc.attachments.fetch(principal(ctx).user, id, subtaskId, ctx.get(ATTACHMENT_FETCH_KEY_HEADER));
    ctx.set('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(meta.name)}`);
    ctx.type = meta.media_type;
    ctx.body = data;
  });

  return router;
}
