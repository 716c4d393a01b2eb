// Request and response bodies of the HTTP API (docs/protocol.md "HTTP API"). Requests are parsed with
// these schemas; responses are described by them (types and the generated JSON Schemas).
import { z } from 'zod';
import { LIMITS, USAGE_LIMITS } from './timing';
import { DeviceId, ErrorObject, IsoTime, ModelId, OpaqueId, PermissionMode, SubtaskStatus, TaskChanges } from './protocol';
import { AttachmentMeta } from './attachments';
import { Usage } from './usage';
import { ChangesOutcome, ChatChunk, DeviceView, PendingRequest, PermissionRecord } from './views';

// ---- requests -------------------------------------------------------------------------------

export const Username = z.string().regex(/^[a-z0-9_-]{3,32}$/, 'must be 3–32 characters of a–z 0–9 _ -');
export const Password = z.string().min(8, 'must be at least 8 characters').max(1024);

export const Credentials = z.object({ username: Username, password: Password });
export type Credentials = z.infer<typeof Credentials>;
/** Login does not reveal the password policy; it only needs two non-empty strings. */
export const LoginRequest = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024) });

export const TokenCreate = z.object({ name: z.string().trim().max(LIMITS.tokenNameChars).optional() });

// ---- responses ------------------------------------------------------------------------------

/** Every HTTP error: a status ≥ 400 and this body. */
export const ErrorBody = z.object({ error: ErrorObject });

export const Role = z.enum(['user', 'operator']);
export type Role = z.infer<typeof Role>;

export const UserView = z.object({ id: z.string(), username: z.string(), role: Role, created_at: IsoTime });
export type UserView = z.infer<typeof UserView>;

/** `POST /api/auth/register` (201) and `GET /api/me`. */
export const UserReply = z.object({ user: UserView });

export const LoginResponse = z.object({ token: z.string(), expires_at: IsoTime, user: UserView });
export type LoginResponse = z.infer<typeof LoginResponse>;

export const TokenCreated = z.object({ token: z.string(), id: z.string(), name: z.string(), expires_at: IsoTime });
export type TokenCreated = z.infer<typeof TokenCreated>;

export const TokenInfo = z.object({
  id: z.string(),
  name: z.string(),
  created_at: IsoTime,
  expires_at: IsoTime,
  kind: z.enum(['login', 'api']).optional(),
  devices: z.array(z.object({ device_id: DeviceId, name: z.string() }))
    .describe('The caller\'s devices connected with this token now (revoking it disconnects them)').optional(),
});
export type TokenInfo = z.infer<typeof TokenInfo>;
export const TokenList = z.object({ tokens: z.array(TokenInfo) });

/** What a chat may know of the shared cloud pool (never which devices are in it). */
export const CloudPool = z.object({
  available: z.boolean().describe('At least one cloud executor is online: a message to "cloud" can be taken'),
  executors: z.number().int().min(0).describe('How many cloud executors are online'),
});
export type CloudPool = z.infer<typeof CloudPool>;

export const DeviceList = z.object({
  devices: z.array(DeviceView),
  cloud: CloudPool.describe('The shared pool behind device_id "cloud", as of this answer').optional(),
});
export type DeviceList = z.infer<typeof DeviceList>;
/** `PUT` / `DELETE /api/devices/:id/default`: the device after the change. */
export const DeviceReply = z.object({ device: DeviceView });

export const TaskSummary = z.object({
  task_id: OpaqueId,
  title: z.string(),
  device_id: z.string(),
  status: SubtaskStatus,
  session_id: z.string().nullable(),
  created_at: IsoTime,
  updated_at: IsoTime,
  awaiting_input: z.boolean().describe('The newest message waits for an answer to a permission request').optional(),
});
export type TaskSummary = z.infer<typeof TaskSummary>;
export const TaskList = z.object({ tasks: z.array(TaskSummary) });

export const SubtaskView = z.object({
  subtask_id: OpaqueId,
  task_id: OpaqueId,
  device_id: DeviceId,
  prompt: z.string(),
  status: SubtaskStatus,
  result: z.string().nullable(),
  error: ErrorObject.nullable(),
  created_at: IsoTime,
  started_at: IsoTime.nullable(),
  completed_at: IsoTime.nullable(),
  last_seq: z.number().int().min(0),
  events: z.array(ChatChunk),
  permission_mode: PermissionMode.describe('What the message asked for').optional(),
  model: ModelId.describe('The model the message asked for (absent: the device\'s default)').optional(),
  pending_requests: z.array(PendingRequest).describe('Permission requests waiting for an answer (empty when none; always sent)').optional(),
  permission_decisions: z.array(PermissionRecord).describe('How each decided request was decided').optional(),
  changes: TaskChanges.describe('The conversation\'s changes against its base when this subtask completed').optional(),
  attachments: z.array(AttachmentMeta).describe('What was attached to the message: names, types and sizes only').optional(),
  changes_outcome: ChangesOutcome.describe('Its changes were applied or discarded since (chat:apply); absent while they wait').optional(),
  usage: Usage.describe('What the reply cost, as the device reported it; absent when it reported nothing').optional(),
});
export type SubtaskView = z.infer<typeof SubtaskView>;

export const TaskDetail = TaskSummary.extend({ subtasks: z.array(SubtaskView) });
export type TaskDetail = z.infer<typeof TaskDetail>;

export const Health = z.object({
  ok: z.boolean(),
  redis: z.enum(['up', 'down']),
  shutting_down: z.boolean(),
  latency_ms: z.number().int().min(0),
});

// ---- usage (GET /api/usage) -----------------------------------------------------------------

/** A calendar day in UTC, `YYYY-MM-DD`. */
export const UsageDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day as YYYY-MM-DD (UTC)')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'is not a calendar day');

/** The query of `GET /api/usage`: both ends included; other parameters are refused by name. */
export const UsageQuery = z.strictObject({
  from: UsageDay.describe(`First day (default: ${USAGE_LIMITS.defaultDays - 1} days before \`to\`)`).optional(),
  to: UsageDay.describe('Last day (default: today, UTC)').optional(),
});
export type UsageQuery = z.infer<typeof UsageQuery>;

/** Usage added up over some replies; a field no reply reported is absent. */
export const UsageTotals = Usage.extend({ replies: z.number().int().min(0).describe('Replies whose device reported usage') });
export type UsageTotals = z.infer<typeof UsageTotals>;

export const UsageSummary = z.object({
  from: UsageDay,
  to: UsageDay,
  total: UsageTotals,
  days: z.array(UsageTotals.extend({ date: UsageDay })).describe('Days with usage, oldest first (days without are left out)'),
  devices: z.array(UsageTotals.extend({
    device_id: DeviceId.describe('The device the messages were sent to ("cloud" for the shared pool)'),
    name: z.string().describe('The device\'s name, while it is still registered').optional(),
  })).describe('Devices with usage in the range, most tokens first'),
});
export type UsageSummary = z.infer<typeof UsageSummary>;
