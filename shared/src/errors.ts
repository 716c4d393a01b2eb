// Error codes of wire protocol v1 (docs/protocol.md "Error codes", which lists each one: the drift
// test fails when it does not). Outside clients match on these strings, so they are never renamed;
// new ones may be added.

export const ErrorCode = {
  // authentication
  AUTH_MISSING: 'AUTH_MISSING',
  AUTH_INVALID: 'AUTH_INVALID',
  AUTH_EXPIRED: 'AUTH_EXPIRED',
  AUTH_REVOKED: 'AUTH_REVOKED',
  SIGNUP_DISABLED: 'SIGNUP_DISABLED',
  USERNAME_TAKEN: 'USERNAME_TAKEN',
  RATE_LIMITED: 'RATE_LIMITED',
  FORBIDDEN: 'FORBIDDEN',
  // payloads
  INVALID_PAYLOAD: 'INVALID_PAYLOAD',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  NOT_FOUND: 'NOT_FOUND',
  // devices
  DEVICE_NOT_FOUND: 'DEVICE_NOT_FOUND',
  DEVICE_OFFLINE: 'DEVICE_OFFLINE',
  DEVICE_UNAVAILABLE: 'DEVICE_UNAVAILABLE',
  DEVICE_NOT_REGISTERED: 'DEVICE_NOT_REGISTERED',
  DEVICE_OWNED_BY_OTHER_USER: 'DEVICE_OWNED_BY_OTHER_USER',
  /** The executor's own stop reason: another connection with its device_id took the device over. */
  DEVICE_REPLACED: 'DEVICE_REPLACED',
  CLOUD_UNAVAILABLE: 'CLOUD_UNAVAILABLE',
  QUEUE_FULL: 'QUEUE_FULL',
  // resource caps (what one account or device may hold; the message names the cap)
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  /** An attachment id that is unknown, expired, already fetched, or another account's (indistinguishable). */
  ATTACHMENT_NOT_FOUND: 'ATTACHMENT_NOT_FOUND',
  /** An upload of a type the backend does not take (an image Claude cannot read, or bytes that are not the type declared). */
  UNSUPPORTED_TYPE: 'UNSUPPORTED_TYPE',
  // tasks
  TASK_NOT_FOUND: 'TASK_NOT_FOUND',
  SUBTASK_NOT_FOUND: 'SUBTASK_NOT_FOUND',
  SLOTS_FULL: 'SLOTS_FULL',
  DUPLICATE: 'DUPLICATE',
  SEQ_GAP: 'SEQ_GAP',
  /** A cancelled subtask's `error` (task:complete status "cancelled"). */
  CANCELLED: 'CANCELLED',
  // approvals
  REQUEST_NOT_FOUND: 'REQUEST_NOT_FOUND',
  ALREADY_DECIDED: 'ALREADY_DECIDED',
  // change review (worktrees)
  CONFLICT: 'CONFLICT',
  NOT_ISOLATED: 'NOT_ISOLATED',
  TASK_BUSY: 'TASK_BUSY',
  // executor-side failures reported in task:complete error
  EXECUTOR_ERROR: 'EXECUTOR_ERROR',
  CLAUDE_NOT_INSTALLED: 'CLAUDE_NOT_INSTALLED',
  CLAUDE_AUTH: 'CLAUDE_AUTH',
  MODEL_OVERLOADED: 'MODEL_OVERLOADED',
  MODEL_ERROR: 'MODEL_ERROR',
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  // backend
  UNAVAILABLE: 'UNAVAILABLE',
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The error object carried by failed acks, HTTP error bodies and task errors. */
export interface ProtocolError {
  code: ErrorCode | string;
  message: string;
}

/** The codes a socket `connect_error` carries in `message` (and `data.code`). */
export const AUTH_ERROR_CODES = [
  ErrorCode.AUTH_MISSING,
  ErrorCode.AUTH_INVALID,
  ErrorCode.AUTH_EXPIRED,
  ErrorCode.AUTH_REVOKED,
] as const;

export function isAuthErrorCode(code: unknown): code is (typeof AUTH_ERROR_CODES)[number] {
  return typeof code === 'string' && (AUTH_ERROR_CODES as readonly string[]).includes(code);
}

/** An Error that carries a protocol code, thrown inside the backend and turned into data at the edge. */
export class WegentError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'WegentError';
  }

  toJSON(): ProtocolError {
    return { code: this.code, message: this.message };
  }
}
