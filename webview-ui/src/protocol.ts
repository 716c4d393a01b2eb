// The protocol values the page uses, taken from the zod-free modules of @wegent/shared: the
// package root also builds the runtime schemas, which would put zod (~400 KB) into the bundle.
// Types still come from '@wegent/shared' itself (erased at build time).
export { CLOUD_DEVICE_ID, DEFAULT_CHAT_PERMISSION_MODE, PERMISSION_MODES, isFinalStatus } from '@wegent/shared/src/constants';
export { toolTarget } from '@wegent/shared/src/toolTarget';
export { ChatEvent, NAMESPACE } from '@wegent/shared/src/events';
export { isAuthErrorCode } from '@wegent/shared/src/errors';
export { CHAT_REQUEST_TIMEOUT_MS, USAGE_LIMITS } from '@wegent/shared/src/timing';
export { USAGE_TOKEN_FIELDS, addUsage, totalTokens, type UsageTokenField } from '@wegent/shared/src/usageFields';

/** The models the composer offers besides "Default" (the device's own): Claude Code's aliases. */
export const MODEL_CHOICES = ['sonnet', 'opus', 'haiku'] as const;
export { ATTACHMENT_LIMITS, attachmentMaxBytes, isImageType, safeFileName } from '@wegent/shared/src/attachmentLimits';
