// Runtime schemas of the Socket.IO payloads clients send (executor and chat), the building blocks
// every payload shares, and the types derived from them. What the backend sends is in views.ts.
// Objects are not strict: unknown fields are stripped (clients may add fields, docs/protocol.md).
import { z } from 'zod';
import { FINAL_STATUSES, PERMISSION_MODES, SUBTASK_STATUSES } from './constants';
import { LIMITS } from './timing';
import { UsageReport } from './usage';

import { DeviceId, OpaqueId } from './ids';
import { AttachmentIds, AttachmentRef } from './attachments';

export { DeviceId, OpaqueId } from './ids';

/** A model id or alias as Claude Code takes it ("sonnet", "claude-opus-4-1", a Bedrock id or ARN). */
export const ModelId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/@[\]-]{0,127}$/, 'must be 1–128 characters of A–Z a–z 0–9 . _ : / @ [ ] -, starting with a letter or digit');

/** Times are ISO-8601 strings in UTC. */
export const IsoTime = z.string().describe('ISO-8601 time in UTC');

export const ErrorObject = z.object({
  code: z.string().min(1).max(64),
  message: z.string().max(10_000),
});

// ---- streamed events ------------------------------------------------------------------------

const text = z.string().max(LIMITS.textChars);

export const TextEvent = z.object({ type: z.literal('text'), text });
export const ThinkingEvent = z.object({ type: z.literal('thinking'), text });
export const ToolUseEvent = z.object({
  type: z.literal('tool_use'),
  id: z.string().min(1).max(256),
  name: z.string().min(1).max(256),
  input: z.unknown(),
});
export const ToolResultEvent = z.object({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1).max(256),
  is_error: z.boolean(),
  text,
});
/**
 * A progress line. `text` is an English sentence for any client; `code` lets a chat say it in its
 * own words (and hide what is noise there): "session_started" (with model, permission_mode),
 * "api_retry" (attempt, max_attempts), "compacted". Unknown codes are shown as their text.
 */
export const StatusEvent = z.object({
  type: z.literal('status'),
  text,
  code: z.string().max(64).describe('What the line is about, for a chat to word it itself; unknown codes: show text').optional(),
  model: z.string().max(256).describe('code "session_started": the model Claude Code runs with').optional(),
  permission_mode: z.string().max(64).describe('code "session_started": the permission mode it runs with').optional(),
  attempt: z.number().int().min(0).describe('code "api_retry": this attempt').optional(),
  max_attempts: z.number().int().min(0).describe('code "api_retry": attempts in all').optional(),
});

// ---- approvals: the human in the loop (docs/protocol.md "Approvals") --------------------------

/** A permission request's id: the id alphabet, unique within its subtask. */
export const RequestId = OpaqueId;
export const PermissionDecisionValue = z.enum(['allow', 'deny']);
export type PermissionDecisionValue = z.infer<typeof PermissionDecisionValue>;
/** `task`: the tool is allowed for the rest of the subtask without asking again. */
export const PermissionScope = z.enum(['once', 'task']);
export type PermissionScope = z.infer<typeof PermissionScope>;
/** Who decided: one of the owner's chats, the person at the device, or the device's own timeout. */
export const DecidedBy = z.enum(['chat', 'device', 'timeout']);
export type DecidedBy = z.infer<typeof DecidedBy>;
/** Which kind of chat answered (said by the chat itself when it connects; shown in the others' cards). */
export const ChatClientKind = z.enum(['browser', 'vscode']);
export type ChatClientKind = z.infer<typeof ChatClientKind>;

const note = z.string().max(LIMITS.permissionNoteChars);
export const QuestionOption = z.object({ label: z.string().max(1_000), description: z.string().max(10_000).optional() });
export const Question = z.object({
  question: z.string().min(1).max(10_000),
  header: z.string().max(200).optional(),
  options: z.array(QuestionOption).max(20),
  multi_select: z.boolean().optional(),
});
export type Question = z.infer<typeof Question>;
/** Answers to AskUserQuestion: question text → the answer (several options comma-separated). */
export const Answers = z
  .record(z.string().max(10_000), note)
  .refine((a) => Object.keys(a).length <= 20, 'at most 20 answers');
export type Answers = z.infer<typeof Answers>;

export const PermissionRequestEvent = z.object({
  type: z.literal('permission_request'),
  request_id: RequestId,
  tool_name: z.string().min(1).max(256),
  input: z.unknown(),
  title: z.string().max(1_000).optional(),
  questions: z.array(Question).max(10).optional(),
  tool_use_id: z.string().max(256).describe('The tool_use event this request is about').optional(),
  expires_at: IsoTime.describe('When the device gives up and denies (by "timeout")').optional(),
});
export type PermissionRequestEvent = z.infer<typeof PermissionRequestEvent>;

export const PermissionDecisionEvent = z.object({
  type: z.literal('permission_decision'),
  request_id: RequestId,
  decision: PermissionDecisionValue,
  scope: PermissionScope.optional(),
  by: DecidedBy,
  message: note.optional(),
  answers: Answers.optional(),
  decided_at: IsoTime.optional(),
  client: ChatClientKind.describe('With by "chat": the kind of chat that answered').optional(),
});
export type PermissionDecisionEvent = z.infer<typeof PermissionDecisionEvent>;

export const TaskEvent = z.discriminatedUnion('type', [
  TextEvent,
  ThinkingEvent,
  ToolUseEvent,
  ToolResultEvent,
  StatusEvent,
  PermissionRequestEvent,
  PermissionDecisionEvent,
]);
export type TaskEvent = z.infer<typeof TaskEvent>;

// ---- statuses -------------------------------------------------------------------------------

export const SubtaskStatus = z.enum(SUBTASK_STATUSES);
export type SubtaskStatus = z.infer<typeof SubtaskStatus>;

export const DeviceStatus = z.enum(['online', 'busy', 'offline']);
export type DeviceStatus = z.infer<typeof DeviceStatus>;

export const ExecutorMode = z.enum(['local', 'cloud']);
export type ExecutorMode = z.infer<typeof ExecutorMode>;

export const PermissionMode = z.enum(PERMISSION_MODES);
export type PermissionMode = z.infer<typeof PermissionMode>;

// ---- /local-executor: device → backend ------------------------------------------------------

const runningIds = z.array(OpaqueId).max(64);

export const DeviceRegister = z.object({
  device_id: DeviceId,
  name: z.string().trim().min(1).max(LIMITS.deviceNameChars),
  max_slots: z.number().int().min(1).optional(),
  executor_version: z.string().max(64).optional(),
  running_task_ids: runningIds.optional(),
  mode: ExecutorMode.optional(),
});
export type DeviceRegister = z.infer<typeof DeviceRegister>;

export const DeviceHeartbeat = z.object({
  device_id: DeviceId,
  running_task_ids: runningIds,
  forgotten_task_ids: z.array(OpaqueId).max(LIMITS.forgetIds).describe('Conversations from forget_task_ids whose worktrees this device has removed: the backend stops naming them').optional(),
});
export type DeviceHeartbeat = z.infer<typeof DeviceHeartbeat>;

export const TaskProgress = z.object({
  subtask_id: OpaqueId,
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  events: z.array(TaskEvent).min(1).max(LIMITS.eventsPerProgress),
});
export type TaskProgress = z.infer<typeof TaskProgress>;

export const CompleteStatus = z.enum(FINAL_STATUSES);
export type CompleteStatus = z.infer<typeof CompleteStatus>;

// ---- isolated workspaces and change review (docs/protocol.md "Changes") -----------------------

/** `worktree`: the conversation runs in its own git worktree; `none`: in the workspace folder itself. */
export const Isolation = z.enum(['worktree', 'none']);
export type Isolation = z.infer<typeof Isolation>;

export const ChangeStatus = z.enum(['added', 'modified', 'deleted', 'renamed']);
export type ChangeStatus = z.infer<typeof ChangeStatus>;

const lines = z.number().int().min(0);

/** One changed file: its name and counts, never its contents. */
export const ChangedFile = z.object({
  path: z.string().min(1).max(4_096),
  status: ChangeStatus,
  additions: lines,
  deletions: lines,
  old_path: z.string().max(4_096).describe('With status "renamed": the name in the base').optional(),
  binary: z.boolean().describe('A binary file: no line counts').optional(),
});
export type ChangedFile = z.infer<typeof ChangedFile>;

/** A conversation's changes so far against its base (`task:complete.changes`). */
export const TaskChanges = z.object({
  isolation: Isolation,
  branch: z.string().max(256).optional(),
  base: z.string().max(64).describe('The commit the worktree was made from').optional(),
  files: z.array(ChangedFile).max(LIMITS.changedFiles),
  additions: lines,
  deletions: lines,
  files_truncated: z.boolean().describe(`More than ${LIMITS.changedFiles} files changed: only the first are listed`).optional(),
  reason: z.string().max(1_000).describe('With isolation "none": why the task was not isolated').optional(),
});
export type TaskChanges = z.infer<typeof TaskChanges>;

/** A path inside a task's worktree: relative, no `..` segment (the device also refuses symlink escapes). */
export const WorktreePath = z
  .string()
  .min(1)
  .max(4_096)
  // Not absolute (/, \\, C:), no ".." segment, no NUL: a pattern, so the JSON Schema carries it too.
  .regex(/^(?![/\\]|[A-Za-z]:)(?!(?:.*[/\\])?\.\.(?:[/\\]|$))[^\0]+$/, 'must be a relative path inside the task\'s workspace (no "..", not absolute)');

export const ApplyAction = z.enum(['apply', 'discard']);
export type ApplyAction = z.infer<typeof ApplyAction>;

export const TaskComplete = z.object({
  subtask_id: OpaqueId,
  status: CompleteStatus,
  result: z.string().max(LIMITS.textChars).optional(),
  // A plain string from a simple client is accepted and treated as the message.
  error: z
    .union([ErrorObject, z.string().max(10_000)])
    .transform((e) => (typeof e === 'string' ? { code: 'EXECUTOR_ERROR', message: e } : e))
    .optional(),
  session_id: z.string().max(256).optional(),
  usage: UsageReport.optional(),
  last_seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  changes: TaskChanges.optional(),
});
export type TaskComplete = z.infer<typeof TaskComplete>;

// ---- /local-executor: backend → device ------------------------------------------------------

export const HistoryEntry = z.object({ role: z.enum(['user', 'assistant']), text: z.string() });

export const TaskContext = z.object({
  session_id: z.string().optional(),
  model: z.string().optional(),
  permission_mode: PermissionMode.optional(),
  workspace: z.string().optional(),
  history: z.array(HistoryEntry).optional(),
  user_id: z.string().optional(),
});
export type TaskContext = z.infer<typeof TaskContext>;

export const TaskExecute = z.object({
  task_id: OpaqueId,
  subtask_id: OpaqueId,
  prompt: z.string(),
  context: TaskContext,
  /** The message's attachments: the device fetches each once (docs/protocol.md "Attachments"). */
  attachments: z.array(AttachmentRef).optional(),
});
export type TaskExecute = z.infer<typeof TaskExecute>;

export const TaskCancel = z.object({ subtask_id: OpaqueId });
export type TaskCancel = z.infer<typeof TaskCancel>;

/** The backend asks the device for a conversation's unified diff (relaying `chat:diff`). */
export const TaskDiff = z.object({ task_id: OpaqueId, path: WorktreePath.optional() });
export type TaskDiff = z.infer<typeof TaskDiff>;

/** The backend relays a chat's apply or discard of a conversation's changes (`chat:apply`). */
export const TaskApply = z.object({ task_id: OpaqueId, action: ApplyAction });
export type TaskApply = z.infer<typeof TaskApply>;

/** A chat's answer to a permission request (`chat:permission_reply`). */
export const ChatPermissionReply = z.object({
  subtask_id: OpaqueId,
  request_id: RequestId,
  decision: PermissionDecisionValue,
  scope: PermissionScope.optional(),
  message: note.optional(),
  answers: Answers.optional(),
});
export type ChatPermissionReply = z.infer<typeof ChatPermissionReply>;

/** The backend relays an accepted chat answer to the device, resending until acked. */
export const TaskPermissionReply = ChatPermissionReply.extend({
  decided_at: IsoTime.optional(),
  client: ChatClientKind.optional(),
});
export type TaskPermissionReply = z.infer<typeof TaskPermissionReply>;

// ---- /chat: client → backend ----------------------------------------------------------------

export const ChatSend = z.object({
  device_id: DeviceId,
  message: z.string().trim().min(1, 'must not be empty').max(LIMITS.messageChars),
  task_id: OpaqueId.optional(),
  /** How much this message may do; the device runs the stricter of this and its own setting. */
  permission_mode: PermissionMode.optional(),
  /** Uploads (`POST /api/attachments`) sent with this message. */
  attachments: AttachmentIds.optional(),
  /** The model for this message (absent: the device's default); travels as task:execute.context.model. */
  model: ModelId.optional(),
});
export type ChatSend = z.infer<typeof ChatSend>;

export const ChatCancel = z.object({ subtask_id: OpaqueId });
export type ChatCancel = z.infer<typeof ChatCancel>;

export const ChatResume = z.object({
  subtask_id: OpaqueId,
  after_seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});
export type ChatResume = z.infer<typeof ChatResume>;


/** The unified diff of a conversation's changes (one file with `path`), fetched live from the device. */
export const ChatDiff = z.object({ task_id: OpaqueId, path: WorktreePath.optional() });
export type ChatDiff = z.infer<typeof ChatDiff>;

/** Apply a conversation's changes to the device's workspace (uncommitted), or discard them. */
export const ChatApply = z.object({ task_id: OpaqueId, action: ApplyAction });
export type ChatApply = z.infer<typeof ChatApply>;
