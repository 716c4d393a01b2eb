// Runtime schemas of what the backend sends over Socket.IO: pushes to chat pages and executors, and
// the bodies of successful acks. The backend never parses these; they exist so the types have one
// definition and outside clients get a JSON Schema of every payload (shared/schema/, `npm run schemas`).
import { AttachmentMeta } from './attachments';
import { z } from 'zod';
import {
  Answers, ChatClientKind, CompleteStatus, DecidedBy, DeviceId, DeviceStatus, ErrorObject, ExecutorMode, IsoTime, ModelId, OpaqueId,
  PermissionDecisionValue, PermissionMode, PermissionScope, RequestId, SubtaskStatus, TaskChanges, TaskEvent,
} from './protocol';
import { Usage } from './usage';
import { LIMITS } from './timing';

const count = z.number().int().min(0);

// ---- shared views -----------------------------------------------------------------------------

/**
 * Set while a device counts as online (status not "offline") but has no live connection: its executor
 * dropped off (crashed, killed, lost its network). It may still come back and reclaim its tasks until
 * `offline_at`; the chat shows it as connection lost, not as online.
 */
const connectionFields = {
  disconnected_at: IsoTime.describe('When the device lost its connection; absent while connected').optional(),
  offline_at: IsoTime.describe('When the device will be declared offline unless it reconnects (sent with disconnected_at)').optional(),
};

export const DeviceView = z.object({
  device_id: DeviceId,
  name: z.string(),
  status: DeviceStatus,
  slots_used: count,
  max_slots: z.number().int().min(1),
  is_default: z.boolean(),
  last_seen_at: IsoTime.nullable(),
  executor_version: z.string().nullable(),
  mode: ExecutorMode,
  ...connectionFields,
});
export type DeviceView = z.infer<typeof DeviceView>;

/** The error of a failed ack, an HTTP error body, or a failed/cancelled subtask. */
export const AckError = z.object({ ok: z.literal(false), error: ErrorObject });

// ---- /chat: backend → chat client -----------------------------------------------------------

export const ChatStart = z.object({
  task_id: OpaqueId,
  subtask_id: OpaqueId,
  device_id: DeviceId.describe('What the user chose: a device id, or "cloud" for the shared pool'),
  status: SubtaskStatus.optional(),
  queue_position: z.number().int().min(1).optional(),
  after_subtask_id: OpaqueId.describe('Queued behind this turn of the same conversation: it starts when that one ends').optional(),
  prompt: z.string().optional(),
  permission_mode: PermissionMode.describe('What the message asked for (chat:send); the device may run it stricter').optional(),
  attachments: z.array(AttachmentMeta).describe('What was attached to the message (metadata only)').optional(),
  model: ModelId.describe('The model the message asked for (chat:send); absent: the device\'s default').optional(),
});
export type ChatStart = z.infer<typeof ChatStart>;

/** Status changes between start and done (queued position moves, running on a device). */
export const ChatStatus = z.object({
  task_id: OpaqueId,
  subtask_id: OpaqueId,
  device_id: DeviceId,
  status: SubtaskStatus,
  queue_position: z.number().int().min(1).optional(),
  awaiting_input: z.boolean().describe('True while a permission request of the subtask waits for an answer').optional(),
});
export type ChatStatus = z.infer<typeof ChatStatus>;

// ---- approvals --------------------------------------------------------------------------------

/** A permission request nobody has answered yet (`GET /api/tasks/:id` subtasks). */
export const PendingRequest = z.object({ request_id: RequestId, tool_name: z.string(), requested_at: IsoTime });
export type PendingRequest = z.infer<typeof PendingRequest>;

/** The backend's record of how a request was decided: set once, never rewritten by a client. */
export const PermissionRecord = z.object({
  request_id: RequestId,
  decision: PermissionDecisionValue,
  scope: PermissionScope.optional(),
  by: DecidedBy,
  client: ChatClientKind.optional(),
  decided_at: IsoTime,
  message: z.string().optional(),
  answers: Answers.optional(),
  delivered: z.boolean().describe('The device has the decision (false: a chat answer still on its way)'),
});
export type PermissionRecord = z.infer<typeof PermissionRecord>;

/** Pushed to every chat of the owner as soon as one of them answered a request. */
export const ChatPermissionDecided = PermissionRecord.extend({ task_id: OpaqueId, subtask_id: OpaqueId });
export type ChatPermissionDecided = z.infer<typeof ChatPermissionDecided>;

/**
 * What became of a change card (a `chat:apply` the device carried out), kept with the subtask whose
 * card it was so a reopened conversation shows it: a state and a count, never a file's contents.
 */
export const ChangesOutcome = z.object({
  state: z.enum(['applied', 'discarded']),
  files: count.describe('How many files were applied or discarded'),
  at: IsoTime,
});
export type ChangesOutcome = z.infer<typeof ChangesOutcome>;

/** Pushed to every chat of the owner once one of them applied or discarded a conversation's changes. */
export const ChatChangesDecided = ChangesOutcome.extend({ task_id: OpaqueId, subtask_id: OpaqueId });
export type ChatChangesDecided = z.infer<typeof ChatChangesDecided>;

export const ChatChunk = z.object({
  task_id: OpaqueId,
  subtask_id: OpaqueId,
  seq: z.number().int().min(1),
  events: z.array(TaskEvent),
});
export type ChatChunk = z.infer<typeof ChatChunk>;

export const ChatDone = z.object({
  task_id: OpaqueId,
  subtask_id: OpaqueId,
  status: CompleteStatus,
  result: z.string().optional(),
  error: ErrorObject.optional(),
  session_id: z.string().optional(),
  last_seq: z.number().int().min(0).describe('The seq of the last chat:chunk of the subtask: a client that applied less resumes before it closes the stream'),
  changes: TaskChanges.describe('The conversation\'s changes so far, as the device reported them').optional(),
  usage: Usage.describe('What the reply cost, as the device reported it; absent when it reported nothing').optional(),
});
export type ChatDone = z.infer<typeof ChatDone>;

export const DeviceStatusEvent = z.object({
  device_id: DeviceId,
  name: z.string(),
  status: DeviceStatus,
  slots_used: count,
  max_slots: z.number().int().min(1),
  is_default: z.boolean().optional(),
  deleted: z.boolean().describe('True once, when the device was deleted (sent with status "offline")').optional(),
  ...connectionFields,
});
export type DeviceStatusEvent = z.infer<typeof DeviceStatusEvent>;

/** Sent on either namespace before the server disconnects a socket whose token expired or was revoked. */
export const AuthExpired = z.object({ code: z.string(), message: z.string() });
export type AuthExpired = z.infer<typeof AuthExpired>;

/** Sent to a device socket that another connection of the same device_id replaced. */
export const DeviceReplaced = z.object({ message: z.string() });
export type DeviceReplaced = z.infer<typeof DeviceReplaced>;

// ---- ack bodies (what follows `ok: true`) -----------------------------------------------------

/** An ack that carries nothing but `ok: true`. */
export const EmptyOk = z.object({});

const cancelIds = z.array(OpaqueId);
/** Conversations deleted since that ran on this device: it removes their worktrees and branches, then confirms (`forgotten_task_ids`). */
const forgetIds = z.array(OpaqueId).max(LIMITS.forgetIds).describe('Deleted conversations that ran on this device: remove their worktrees and branches, then confirm them in forgotten_task_ids');

export const RegisterOk = z.object({
  device: DeviceView,
  heartbeat_interval_s: z.number().positive(),
  online_ttl_s: z.number().positive(),
  heartbeat_interval_ms: z.number().int().positive(),
  online_ttl_ms: z.number().int().positive(),
  cancel_subtask_ids: cancelIds.describe('Ids from running_task_ids the backend no longer wants; a task:cancel follows for each').optional(),
  forget_task_ids: forgetIds.optional(),
});
export type RegisterOk = z.infer<typeof RegisterOk>;

export const ProgressOk = z.object({
  truncated: z.literal(true).describe('The subtask\'s stream passed its stored-output cap earlier: this progress was acked and dropped').optional(),
});
export type ProgressOk = z.infer<typeof ProgressOk>;

export const HeartbeatOk = z.object({ cancel_subtask_ids: cancelIds.optional(), forget_task_ids: forgetIds.optional() });
export type HeartbeatOk = z.infer<typeof HeartbeatOk>;

export const ChatSendOk = z.object({
  task_id: OpaqueId,
  subtask_id: OpaqueId,
  status: z.enum(['running', 'queued']),
  queue_position: z.number().int().min(1).optional(),
  after_subtask_id: OpaqueId.describe('Queued behind this turn of the same conversation (no queue_position until it starts)').optional(),
});
export type ChatSendOk = z.infer<typeof ChatSendOk>;

export const ChatResumeOk = z.object({
  chunks: z.array(ChatChunk),
  /** Only on the last page. */
  done: ChatDone.optional(),
  more: z.literal(true).describe('The answer stopped at its size budget: ask again with after_seq = the last chunk\'s seq').optional(),
});
export type ChatResumeOk = z.infer<typeof ChatResumeOk>;

/** `chat:diff` / `task:diff`: the unified diff, cut at LIMITS.diffBytes with `truncated: true`. */
export const DiffOk = z.object({ diff: z.string(), truncated: z.boolean() });
export type DiffOk = z.infer<typeof DiffOk>;

/** `chat:apply` / `task:apply`: the files brought into (or dropped from) the workspace. */
export const ApplyOk = z.object({ files: z.array(z.string()).optional() });
export type ApplyOk = z.infer<typeof ApplyOk>;
