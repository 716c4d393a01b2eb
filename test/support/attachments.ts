// Test helpers for attachments: real image bytes and the upload and device-fetch calls of the HTTP API.
import { deflateSync } from 'node:zlib';
import { ATTACHMENT_FETCH_KEY_HEADER, type AttachmentRef } from '@wegent/shared';
import type { ApiReply } from './clients';

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A real PNG of `size`×`size` pixels of one colour (RGB). */
export function png(size = 8, rgb: [number, number, number] = [220, 40, 40]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(size * 3).map((_, i) => rgb[i % 3])]);
  const raw = Buffer.concat(Array.from({ length: size }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** POST /api/attachments: the raw bytes with their type and name. */
export async function upload(baseUrl: string, token: string, name: string, type: string, data: Buffer): Promise<ApiReply> {
  const res = await fetch(`${baseUrl}/api/attachments?name=${encodeURIComponent(name)}`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': type }, body: new Uint8Array(data),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** upload() that throws unless it was stored; the attachment's id. */
export async function uploadOk(baseUrl: string, token: string, name: string, type: string, data: Buffer): Promise<string> {
  const r = await upload(baseUrl, token, name, type, data);
  if (r.status !== 201) throw new Error(`upload failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.attachment.attachment_id as string;
}

/** A device's fetch of one attachment of its subtask: the bytes (status 200) or the error body. */
export async function fetchAsDevice(baseUrl: string, token: string, subtaskId: string, ref: Pick<AttachmentRef, 'attachment_id' | 'fetch_key'>): Promise<{ status: number; bytes: Buffer; body?: any }> {
  const res = await fetch(`${baseUrl}/api/attachments/${encodeURIComponent(ref.attachment_id)}?subtask_id=${encodeURIComponent(subtaskId)}`, {
    headers: { authorization: `Bearer ${token}`, [ATTACHMENT_FETCH_KEY_HEADER]: ref.fetch_key },
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, bytes, ...(res.status === 200 ? {} : { body: JSON.parse(bytes.toString('utf8')) }) };
}

