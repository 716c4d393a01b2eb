// Protocol constants with no runtime dependency (no zod), so the chat page's browser bundle can
// import them without pulling in the schema library. protocol.ts re-exports them unchanged.
import type { SubtaskStatus } from './protocol';

export const CLOUD_DEVICE_ID = 'cloud';
export const FINAL_STATUSES: readonly SubtaskStatus[] = ['completed', 'failed', 'cancelled'];
export const isFinalStatus = (s: SubtaskStatus): boolean => FINAL_STATUSES.includes(s);
