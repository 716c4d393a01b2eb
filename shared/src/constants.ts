// Protocol constants with no runtime dependency (no zod, no other module of this package), so the
// chat page's browser bundle can import them without pulling in the schema library. protocol.ts
// builds its enums from these lists and re-exports the rest unchanged.

export const CLOUD_DEVICE_ID = 'cloud';

/** Every status a subtask can have, in lifecycle order (docs/protocol.md "States"). */
export const SUBTASK_STATUSES = ['pending', 'queued', 'running', 'completed', 'failed', 'cancelled'] as const;
type SubtaskStatusName = (typeof SUBTASK_STATUSES)[number];

/** The statuses a subtask ends in: also the statuses `task:complete` may report. */
export const FINAL_STATUSES = ['completed', 'failed', 'cancelled'] as const satisfies readonly SubtaskStatusName[];
/** Takes any string so local-only states (the page's `sending`) need no cast. */
export const isFinalStatus = (s: string): boolean => (FINAL_STATUSES as readonly string[]).includes(s);

/** Permission modes from least to most permissive (docs/protocol.md "chat:send"). */
export const PERMISSION_MODES = ['plan', 'default', 'acceptEdits', 'bypassPermissions'] as const;
type PermissionModeName = (typeof PERMISSION_MODES)[number];

/** A device's own setting when its owner chose none: a ceiling no message can raise. */
export const DEFAULT_DEVICE_PERMISSION_MODE = 'acceptEdits' satisfies PermissionModeName;
/** What a new conversation's composer asks for: "Ask before changes". */
export const DEFAULT_CHAT_PERMISSION_MODE = 'default' satisfies PermissionModeName;

/** The stricter of a device's ceiling and what a message asked for (nothing asked: the ceiling). */
export function stricterPermissionMode<M extends PermissionModeName>(ceiling: M, requested: M | undefined): M {
  if (!requested) return ceiling;
  return PERMISSION_MODES.indexOf(requested) < PERMISSION_MODES.indexOf(ceiling) ? requested : ceiling;
}
