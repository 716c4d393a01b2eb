// The zod shape of usage (the field list and its arithmetic live in usageFields.ts): `Usage` as the
// backend stores and sends it (chat:done, the stored subtask, GET /api/usage), and `UsageReport`,
// what `task:complete.usage` accepts — the same fields, but open (other keys are ignored) and lenient
// (a known field with a wrong value is dropped, not refused: usage never costs a completion).
import { z } from 'zod';
import { USAGE_FIELDS, type UsageField } from './usageFields';

const tokens = (what: string) => z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).describe(what);

export const Usage = z.object({
  input_tokens: tokens('Input tokens not read from or written to the prompt cache').optional(),
  output_tokens: tokens('Output tokens').optional(),
  cache_creation_input_tokens: tokens('Input tokens written to the prompt cache').optional(),
  cache_read_input_tokens: tokens('Input tokens read from the prompt cache').optional(),
  duration_ms: tokens('How long the reply took on the device, ms').optional(),
  duration_api_ms: tokens('How much of that was spent waiting for the model API, ms').optional(),
  num_turns: tokens('Model round trips of the agent loop').optional(),
  total_cost_usd: z.number().min(0).max(1e9).describe('Cost in US dollars as the Agent SDK computed it').optional(),
});
export type Usage = z.infer<typeof Usage>;

// The shape above names exactly the fields of USAGE_FIELDS (checked at compile time).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const fieldsMatch: Same<keyof Usage, UsageField> = true;
void fieldsMatch;

const lenient = Object.fromEntries(USAGE_FIELDS.map((f) => [f, Usage.shape[f].catch(undefined)])) as {
  [K in UsageField]: z.ZodCatch<(typeof Usage.shape)[K]>;
};

export const UsageReport = z
  .object(lenient)
  .catchall(z.unknown())
  .describe('What the reply cost, from the Agent SDK\'s result; unknown keys are ignored, a known one with a wrong value is dropped');
export type UsageReport = z.infer<typeof UsageReport>;
