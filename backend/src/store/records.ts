// The records the backend keeps in Redis hashes, each defined once: its TypeScript shape, how each
// field is written (encode) and read back (decode). Scripts receive what they write as field lists
// built here; the few fields Lua reads or sets itself are named in lua/includes/{subtask,device,
// task}.lua, which backend/test/lua.test.ts holds to these definitions. A new field: add it to the
// interface and to its FIELDS table; it is then written wherever a record is, and read back.
import { DEFAULT_SLOTS, type AttachmentMeta, ErrorCode, PERMISSION_MODES, pickUsage, type ExecutorMode, type PermissionMode, type ProtocolError, type SubtaskStatus, type TaskChanges, type ChangesOutcome, type Usage } from '@wegent/shared';

interface Codec<T> {
  /** null: the field is not written (absent means the default). */
  encode(value: T): string | null;
  decode(raw: string | undefined): T;
}

const text: Codec<string> = { encode: (v) => v, decode: (r) => r ?? '' };
const optionalText: Codec<string | null> = { encode: (v) => (v === null || v === '' ? null : v), decode: (r) => r || null };
const count: Codec<number> = { encode: (v) => String(v), decode: (r) => Number(r) || 0 };
const bit: Codec<boolean> = { encode: (v) => (v ? '1' : '0'), decode: (r) => r === '1' };
const json = <T>(onBad: (raw: string) => T): Codec<T | null> => ({
  encode: (v) => (v === null || v === undefined ? null : JSON.stringify(v)),
  decode: (r) => {
    if (!r) return null;
    try {
      return JSON.parse(r) as T;
    } catch {
      return onBad(r);
    }
  },
});

const anyJson = json<unknown>(() => null);

type Fields<R> = { [K in keyof R]-?: Codec<R[K]> };

function encoder<R>(fields: Fields<R>) {
  /** The record's given fields as an HSET field list (undefined and null fields are left out). */
  return (r: Partial<R>): string[] => {
    const out: string[] = [];
    for (const name of Object.keys(r) as (keyof R)[]) {
      const v = r[name];
      if (v === undefined) continue;
      const raw = fields[name].encode(v as R[keyof R]);
      if (raw !== null) out.push(name as string, raw);
    }
    return out;
  };
}

/**
 * A record that does not exist yet as an HSET field list, also without its zero counts and false
 * flags: an absent count reads back as 0 and an absent flag as false, here and in the scripts
 * (`tonumber(x or '0')`, `x == '1'`), so an update must write them but a new record need not. On
 * every chat:send that is six of the subtask's fourteen fields: twelve arguments fewer for Redis
 * to parse and the send script to copy. (Only counts and flags: a script tells a record exists by
 * a text field such as its status, whose default must still be written.)
 */
function creator<R>(fields: Fields<R>) {
  const encode = encoder(fields);
  const zero = new Map<string, string>();
  for (const name of Object.keys(fields) as (keyof R & string)[]) {
    const codec: unknown = fields[name];
    if (codec === count || codec === bit) zero.set(name, '0');
  }
  return (r: R): string[] => {
    const all = encode(r);
    const out: string[] = [];
    for (let i = 0; i < all.length; i += 2) if (zero.get(all[i]) !== all[i + 1]) out.push(all[i], all[i + 1]);
    return out;
  };
}

function decoder<R>(fields: Fields<R>, present: keyof R) {
  /** The record from its HGETALL, or null when there is none. */
  return (h: Record<string, string>): R | null => {
    if (!h[present as string]) return null;
    const out = {} as R;
    for (const name of Object.keys(fields) as (keyof R)[]) out[name] = fields[name].decode(h[name as string]);
    return out;
  };
}

// ---- subtask: one chat message and its run ----------------------------------------------------

export interface SubtaskRecord {
  subtask_id: string;
  task_id: string;
  user_id: string;
  /** The device that runs it (for "cloud", the pool device chosen at send time). */
  device_id: string;
  /** What the chat asked for: a device id or "cloud". */
  requested_device: string;
  prompt: string;
  status: SubtaskStatus;
  result: string | null;
  error: ProtocolError | null;
  session_id: string | null;
  /** What the reply cost, as the device reported it (known fields only); null: nothing reported. */
  usage: Usage | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  last_seq: number;
  /** A chat asked to stop it while it ran on the device; heartbeats repeat the request. */
  cancel_requested: boolean;
  /** Heartbeats in a row that did not list it while it ran (failed at two). */
  missing_beats: number;
  /** What the message asked for (chat:send); the device runs the stricter of it and its own setting. */
  permission_mode: PermissionMode | null;
  /** The model the message asked for (chat:send); null: the device's default. */
  model: string | null;
  /** Bytes (chunk JSON) and events of its stored stream, held to the caps in config.limits. */
  stored_bytes: number;
  stored_events: number;
  /** Its stream passed a cap: it ends with a note, later progress is dropped. */
  truncated: boolean;
  /** The conversation's changed files and counts when the device completed it (never contents). */
  changes: TaskChanges | null;
  /** What was attached to the message (metadata only; the bytes live in attachment keys until fetched). */
  attachments: AttachmentMeta[] | null;
  /** Its changes were applied or discarded from a chat since (a state and a count; never contents). */
  changes_outcome: ChangesOutcome | null;
}

export const SUBTASK_FIELDS: Fields<SubtaskRecord> = {
  subtask_id: text,
  task_id: text,
  user_id: text,
  device_id: text,
  requested_device: text,
  prompt: text,
  status: { encode: (v) => v, decode: (r) => (r as SubtaskStatus) || 'pending' },
  result: { encode: (v) => v, decode: (r) => r ?? null },
  error: json<ProtocolError>((raw) => ({ code: ErrorCode.INTERNAL, message: raw })),
  session_id: optionalText,
  // Records written before the usage shape kept the SDK's whole object: its known fields are read.
  usage: { encode: (v) => (v ? JSON.stringify(v) : null), decode: (r) => pickUsage(anyJson.decode(r)) ?? null },
  created_at: text,
  started_at: optionalText,
  completed_at: optionalText,
  last_seq: count,
  cancel_requested: bit,
  missing_beats: count,
  permission_mode: { encode: (v) => v, decode: (r) => (PERMISSION_MODES as readonly string[]).includes(r ?? '') ? (r as PermissionMode) : null },
  model: optionalText,
  stored_bytes: count,
  stored_events: count,
  truncated: bit,
  changes: json<TaskChanges | null>(() => null),
  attachments: json<AttachmentMeta[] | null>(() => null),
  changes_outcome: json<ChangesOutcome | null>(() => null),
};

export const encodeSubtask = encoder(SUBTASK_FIELDS);
export const encodeNewSubtask = creator(SUBTASK_FIELDS);
const decodeSubtaskFields = decoder(SUBTASK_FIELDS, 'subtask_id');
export function decodeSubtask(h: Record<string, string>): SubtaskRecord | null {
  const s = decodeSubtaskFields(h);
  // Records written before requested_device existed ran where they were sent.
  if (s && !s.requested_device) s.requested_device = s.device_id;
  return s;
}

// ---- device: a registered executor --------------------------------------------------------------

export interface DeviceRecord {
  device_id: string;
  user_id: string;
  name: string;
  max_slots: number;
  executor_version: string | null;
  mode: ExecutorMode;
  created_at: string;
  last_seen_at: string | null;
  /** Its socket went away while it still counts as online (it may come back within the TTL); cleared by any touch. */
  disconnected_at: string | null;
}

export const DEVICE_FIELDS: Fields<DeviceRecord> = {
  device_id: text,
  user_id: text,
  name: text,
  max_slots: { encode: (v) => String(v), decode: (r) => Number(r) || DEFAULT_SLOTS },
  executor_version: { encode: (v) => v ?? '', decode: (r) => r || null },
  mode: { encode: (v) => v, decode: (r) => (r === 'cloud' ? 'cloud' : 'local') },
  created_at: text,
  last_seen_at: optionalText,
  disconnected_at: optionalText,
};

export const encodeDevice = encoder(DEVICE_FIELDS);
const decodeDeviceFields = decoder(DEVICE_FIELDS, 'device_id');
/** Null unless registered: an id claimed by an owner but not yet named is no device. */
export function decodeDevice(h: Record<string, string>): DeviceRecord | null {
  return h.user_id && h.name ? decodeDeviceFields(h) : null;
}

// ---- task: a conversation -----------------------------------------------------------------------

export interface TaskRecord {
  task_id: string;
  user_id: string;
  title: string;
  /** What the newest turn asked for (a device id or "cloud"). */
  device_id: string;
  /** The newest turn's status. */
  status: SubtaskStatus;
  session_id: string | null;
  created_at: string;
  updated_at: string;
  last_subtask_id: string;
  /** The turn that holds the conversation (on a device's queue, in a slot, running); follow-ups wait behind it. */
  active_subtask_id: string | null;
}

export const TASK_FIELDS: Fields<TaskRecord> = {
  task_id: text,
  user_id: text,
  title: text,
  device_id: text,
  status: { encode: (v) => v, decode: (r) => (r as SubtaskStatus) || 'pending' },
  session_id: optionalText,
  created_at: text,
  updated_at: text,
  last_subtask_id: text,
  active_subtask_id: optionalText,
};

export const encodeTask = encoder(TASK_FIELDS);
const decodeTaskFields = decoder(TASK_FIELDS, 'task_id');
export function decodeTask(h: Record<string, string>): TaskRecord | null {
  const t = decodeTaskFields(h);
  if (t && !t.updated_at) t.updated_at = t.created_at;
  return t;
}
