// The attachments of a task (task:execute `attachments`): each fetched once from the backend with
// this device's token and the fetch key the task carried. Images become image blocks of the prompt;
// other files are saved in the task's workspace under .wegent/attachments/ (names made safe again,
// never outside that folder, never overwriting) and named in the prompt. docs/protocol.md "Attachments".
import { mkdir, realpath, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  ATTACHMENT_FETCH_KEY_HEADER, ErrorCode, attachmentMaxBytes, isImageType, safeFileName,
  type AttachmentRef, type ProtocolError,
} from '@wegent/shared';
import type { ImageInput } from './claudeSession';

/** Where other files go, relative to the task's folder. */
export const ATTACHMENTS_DIR = path.join('.wegent', 'attachments');

export interface Received {
  images: ImageInput[];
  /** The prompt with the attachments named after it. */
  prompt: string;
}

export interface FetchTarget {
  backendUrl: string;
  token: string;
  subtaskId: string;
  signal?: AbortSignal;
}

export class AttachmentError extends Error {
  constructor(readonly error: ProtocolError) {
    super(error.message);
  }
}

async function fetchOne(t: FetchTarget, ref: AttachmentRef): Promise<Buffer> {
  const url = `${t.backendUrl.replace(/\/+$/, '')}/api/attachments/${encodeURIComponent(ref.attachment_id)}?subtask_id=${encodeURIComponent(t.subtaskId)}`;
  let res: Response;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${t.token}`, [ATTACHMENT_FETCH_KEY_HEADER]: ref.fetch_key }, signal: t.signal });
  } catch (err) {
    throw new AttachmentError({ code: ErrorCode.EXECUTOR_ERROR, message: `Could not fetch the attachment "${ref.name}" from the backend: ${(err as Error).message}` });
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: ProtocolError } | null;
    const code = body?.error?.code ?? ErrorCode.EXECUTOR_ERROR;
    throw new AttachmentError({ code, message: `The attachment "${ref.name}" could not be fetched: ${body?.error?.message ?? `HTTP ${res.status}`}` });
  }
  const data = Buffer.from(await res.arrayBuffer());
  if (data.length > attachmentMaxBytes(ref.media_type)) {
    throw new AttachmentError({ code: ErrorCode.PAYLOAD_TOO_LARGE, message: `The attachment "${ref.name}" is larger than attachments may be.` });
  }
  return data;
}

/** A free name in `dir` for `name` ("a.txt", then "a (2).txt"…). */
function candidates(name: string): string[] {
  const ext = path.extname(name);
  const stem = name.slice(0, name.length - ext.length) || name;
  return [name, ...Array.from({ length: 99 }, (_, i) => `${stem} (${i + 2})${ext}`)];
}

/** Saves `data` as a new file under the task's attachments folder; its path relative to `cwd`. */
export async function saveAttachment(cwd: string, name: string, data: Buffer): Promise<string> {
  const root = await realpath(cwd);
  const dir = path.join(root, ATTACHMENTS_DIR);
  await mkdir(dir, { recursive: true });
  // Not code to review or apply: git leaves the whole folder out.
  await writeFile(path.join(root, '.wegent', '.gitignore'), '*\n', { flag: 'w' });
  // The folder must really be inside the workspace (not a symbolic link out of it).
  const real = await realpath(dir);
  if (path.relative(root, real) !== ATTACHMENTS_DIR) throw new AttachmentError({ code: ErrorCode.PERMISSION_DENIED, message: `${ATTACHMENTS_DIR} in the workspace leads outside it; attachments were not saved.` });
  for (const candidate of candidates(safeFileName(name))) {
    try {
      await writeFile(path.join(real, candidate), data, { flag: 'wx' }); // never overwrites, never follows a link
      return path.join(ATTACHMENTS_DIR, candidate);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new AttachmentError({ code: ErrorCode.EXECUTOR_ERROR, message: `Too many attachments named "${name}" in ${ATTACHMENTS_DIR}.` });
}

/** Fetches every attachment and places it; throws AttachmentError (the task fails with its code). */
export async function receiveAttachments(t: FetchTarget, refs: readonly AttachmentRef[], cwd: string, prompt: string): Promise<Received> {
  const images: ImageInput[] = [];
  const imageNames: string[] = [];
  const files: string[] = [];
  for (const ref of refs) {
    const data = await fetchOne(t, ref);
    if (ref.kind === 'image' && isImageType(ref.media_type)) {
      images.push({ mediaType: ref.media_type, data: data.toString('base64') });
      imageNames.push(safeFileName(ref.name));
    } else {
      files.push(`- ${(await saveAttachment(cwd, ref.name, data)).split(path.sep).join('/')} (${ref.media_type}, ${data.length} bytes)`);
    }
  }
  const notes: string[] = [];
  if (imageNames.length) notes.push(`Attached image${imageNames.length > 1 ? 's' : ''} (above): ${imageNames.join(', ')}`);
  if (files.length) notes.push(`Attached file${files.length > 1 ? 's' : ''}, saved in the workspace:\n${files.join('\n')}`);
  return { images, prompt: notes.length ? `${prompt}\n\n${notes.join('\n\n')}` : prompt };
}
