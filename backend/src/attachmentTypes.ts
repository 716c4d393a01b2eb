// What an upload is allowed to be: its name made safe, its type known, its size within the limits
// of shared/ ATTACHMENT_LIMITS, and an image's bytes really that image (Claude reads PNG, JPEG, GIF
// and WebP; anything else called image/* is refused rather than sent to the model as garbage).
import { ErrorCode, IMAGE_TYPES, WegentError, attachmentMaxBytes, isImageType, safeFileName, type AttachmentKind } from '@wegent/shared';

const MAGIC: Record<(typeof IMAGE_TYPES)[number], (b: Buffer) => boolean> = {
  'image/png': (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/gif': (b) => b.subarray(0, 6).toString('latin1') === 'GIF87a' || b.subarray(0, 6).toString('latin1') === 'GIF89a',
  'image/webp': (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
};

/** The media type from a Content-Type header: lower case, no parameters; none → application/octet-stream. */
export function mediaTypeOf(header: string | undefined): string {
  const t = (header ?? '').split(';')[0].trim().toLowerCase();
  return /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(t) ? t : 'application/octet-stream';
}

/** The largest upload of this type, checked before its body is read (413 at once). */
export function tooLarge(mediaType: string, bytes: number): WegentError | null {
  const max = attachmentMaxBytes(mediaType);
  if (bytes <= max) return null;
  const what = mediaType.startsWith('image/') ? 'An image' : 'A file';
  return new WegentError(ErrorCode.PAYLOAD_TOO_LARGE, `${what} may be at most ${Math.round(max / 1024 / 1024)} MB; this one is larger.`, 413);
}

export function checkUpload(rawName: string, declaredType: string, data: Buffer): { name: string; mediaType: string; kind: AttachmentKind } {
  const name = safeFileName(rawName);
  const mediaType = mediaTypeOf(declaredType);
  if (data.length === 0) throw new WegentError(ErrorCode.INVALID_PAYLOAD, `"${name}" is empty; attach a file with content.`, 400);
  const big = tooLarge(mediaType, data.length);
  if (big) throw big;
  if (!mediaType.startsWith('image/')) return { name, mediaType, kind: 'file' };
  if (!isImageType(mediaType)) {
    throw new WegentError(ErrorCode.UNSUPPORTED_TYPE, `Claude reads PNG, JPEG, GIF and WebP images, not ${mediaType}. Convert "${name}" to one of those.`, 415);
  }
  if (!MAGIC[mediaType](data)) {
    throw new WegentError(ErrorCode.UNSUPPORTED_TYPE, `"${name}" is not a ${mediaType.slice(6).toUpperCase()} image (its content says otherwise).`, 415);
  }
  return { name, mediaType, kind: 'image' };
}
