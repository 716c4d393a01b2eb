// Every Redis key the backend uses, in one place. All live under the "wg:" prefix so a shared
// Redis (and the Socket.IO adapter's own keys) cannot collide with them.
//
// Redis Cluster (docs/deployment.md): a Lua script or MULTI may touch keys of one hash slot only,
// and the slot of a key is that of its `{hash tag}`. Each user has a *home*, a short tag derived
// from the user id; everything a user's scripts touch together lives at home: their devices
// (record, online key, slots, queue), conversations, subtasks, streams, approvals and tokens.
// Ids the backend mints (subtask, task, token) carry the home they live at
// (`sub_<home>_<hex>`), so a key is built from the id alone — no lookup, whoever asks. A subtask
// lives at the home of the device that runs it: for a user's own device that is the user's home,
// for a cloud pool device the operator's (its conversation stays at the user's; dispatch.ts
// writes the two in two steps). What spans users is a key of its own, touched by single commands:
// the device-ownership claim, the cloud pool, the username index, the login limiter, and the
// presence deadlines, spread over PRESENCE_BUCKETS tags so no one slot takes every heartbeat.
import { randomUUID } from 'node:crypto';

const P = 'wg:';

/** 32-bit FNV-1a as 8 hex chars: stable, cheap, spread evenly over slots. */
function fnv8(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** The home (hash tag) of a user's keys. */
export const userHome = (userId: string): string => fnv8(userId);

const HOMED_ID = /^[a-z]+_([0-9a-f]{8})_/;

/**
 * The home an id minted by newId lives at. An id that carries none (a client's guess, or a token
 * issued before homes existed) gets one of its own: its keys then simply do not exist.
 */
export function idHome(id: string): string {
  // A script's keys are built from one id, several times in a row (a progress: 7): the last is kept.
  if (id !== lastId) {
    lastHome = HOMED_ID.exec(id)?.[1] ?? fnv8(id);
    lastId = id;
  }
  return lastHome;
}
let lastId = '';
let lastHome = fnv8('');

/** A new id that lives at `home`: `<prefix>_<home>_<32 hex>`. */
export function newId(prefix: 'sub' | 'task' | 't' | 'att', home: string): string {
  return `${prefix}_${home}_${randomUUID().replace(/-/g, '')}`;
}

const at = (home: string) => `${P}{${home}}:`;

/** Presence deadlines are spread over this many ZSETs (each its own slot); the monitor reads them all. */
export const PRESENCE_BUCKETS = 16;

/** A presence deadline's member: where the device lives and its id (device ids never hold "/"). */
export const presenceMember = (home: string, deviceId: string) => `${home}/${deviceId}`;
export function parsePresenceMember(member: string): { home: string; deviceId: string } | null {
  const i = member.indexOf('/');
  return i > 0 ? { home: member.slice(0, i), deviceId: member.slice(i + 1) } : null;
}

export const keys = {
  // accounts (looked up by id or name from anywhere: each key stands alone)
  user: (userId: string) => `${P}user:${userId}`,
  usernameIndex: (username: string) => `${P}username:${username}`,
  users: `${P}users`,
  /** A token's record, at its owner's home (tokens issued before homes keep their old key). */
  token: (jti: string) => (HOMED_ID.test(jti) ? `${at(idHome(jti))}token:${jti}` : `${P}token:${jti}`),
  userTokens: (userId: string) => `${at(userHome(userId))}user:${userId}:tokens`,
  loginLimiterPrefix: `${P}rl:login`,

  // devices and presence: a device lives at its owner's home
  /** STRING: the user id that owns a device id (the first to register it), across all users. */
  deviceOwner: (deviceId: string) => `${P}device-owner:${deviceId}`,
  device: (home: string, deviceId: string) => `${at(home)}device:${deviceId}`,
  deviceOnline: (home: string, deviceId: string) => `${at(home)}device:${deviceId}:online`,
  /** STRING: task:progress points the device used in its current second (dispatch/rate.ts). */
  deviceProgressRate: (home: string, deviceId: string) => `${at(home)}device:${deviceId}:progress-rate`,
  /** ZSET presenceMember → ms (the bucket's Redis clock) when that device's online key lapses. */
  presenceDeadlines: (bucket: number) => `${P}{presence:${bucket}}:deadlines`,
  presenceBucket: (home: string) => parseInt(home.slice(0, 4), 16) % PRESENCE_BUCKETS,
  userDevices: (userId: string) => `${at(userHome(userId))}user:${userId}:devices`,
  userDefaultDevice: (userId: string) => `${at(userHome(userId))}user:${userId}:default-device`,
  /** HASH cloud device id → its home: the shared pool. */
  cloudDevices: `${P}cloud:devices`,
  /** HASH device id → its home: every registered device (wegent-admin list-devices). */
  allDevices: `${P}devices`,

  // slots: subtasks holding a slot (awaiting ack or running), and the FIFO queue behind them
  deviceSlots: (home: string, deviceId: string) => `${at(home)}device:${deviceId}:slots`,
  deviceQueue: (home: string, deviceId: string) => `${at(home)}device:${deviceId}:queue`,
  /** SET of deleted conversations that ran on the device: named in its heartbeat acks until it confirms their worktrees are gone. */
  deviceForget: (home: string, deviceId: string) => `${at(home)}device:${deviceId}:forget`,
  /** HASH device id → home of devices whose queue may be non-empty (pruned when the total is counted). */
  queuedDevices: `${P}devices:queued`,

  // conversations: a task at its user's home, a subtask at its device's (both read from the id)
  task: (taskId: string) => `${at(idHome(taskId))}task:${taskId}`,
  taskSubtasks: (taskId: string) => `${at(idHome(taskId))}task:${taskId}:subtasks`,
  /** Follow-ups sent while a turn of the conversation runs, oldest first: they wait for it (not yet on a device's queue). */
  taskHeld: (taskId: string) => `${at(idHome(taskId))}task:${taskId}:held`,
  userTasks: (userId: string) => `${at(userHome(userId))}user:${userId}:tasks`,
  /** HASH `<device_id>|<usage field>` → sum over the user's replies finished that UTC day (usage.ts). */
  userUsage: (userId: string, day: string) => `${at(userHome(userId))}user:${userId}:usage:${day}`,
  subtask: (subtaskId: string) => `${at(idHome(subtaskId))}subtask:${subtaskId}`,
  subtaskEvents: (subtaskId: string) => `${at(idHome(subtaskId))}subtask:${subtaskId}:events`,
  /** HASH request_id → the permission request as recorded (tool, when asked). */
  subtaskRequests: (subtaskId: string) => `${at(idHome(subtaskId))}subtask:${subtaskId}:requests`,
  /** HASH request_id → how it was decided (PermissionRecord JSON), set by a chat's answer or the device. */
  subtaskDecisions: (subtaskId: string) => `${at(idHome(subtaskId))}subtask:${subtaskId}:decisions`,

  // attachments: at their uploader's home (the id carries it), with the account's index of what it holds
  /** HASH: the upload's metadata, owner, and `need:<subtask_id>` for each subtask yet to fetch it (PEXPIREAT). */
  attachment: (attachmentId: string) => `${at(idHome(attachmentId))}attachment:${attachmentId}`,
  /** STRING: its bytes; same expiry as its metadata. */
  attachmentData: (attachmentId: string) => `${at(idHome(attachmentId))}attachment:${attachmentId}:data`,
  /** HASH attachment id → "<expires ms>:<bytes>": what the account holds, for its cap (pruned on upload). */
  userAttachments: (userId: string) => `${at(userHome(userId))}user:${userId}:attachments`,

  /**
   * ZSET node id → ms (Redis clock) of its last beat: the backend nodes sharing this Redis through the
   * streams adapter (realtime/peers.ts). One key, outside every home: not used on a Redis Cluster.
   */
  nodes: `${P}nodes`,

  /** Pub/sub channel for notices every backend node acts on (role changes made by wegent-admin). */
  noticeChannel: `${P}notices`,
} as const;
