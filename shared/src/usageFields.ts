// What one reply cost, as the Claude Agent SDK's result message reported it (docs/protocol.md
// "Usage"): token counts by kind, cost in USD, durations and agent turns. Zod-free, so the chat
// page's bundle sums and shows usage with the same field list the schemas in usage.ts are built from.

/** Token counts by kind (the Messages API's own names). */
export const USAGE_TOKEN_FIELDS = ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const;
/** Whole non-negative numbers: the tokens, then durations (ms) and the agent's model round trips. */
export const USAGE_COUNT_FIELDS = [...USAGE_TOKEN_FIELDS, 'duration_ms', 'duration_api_ms', 'num_turns'] as const;
/** Every field of a usage report; `total_cost_usd` is the only fractional one. */
export const USAGE_FIELDS = [...USAGE_COUNT_FIELDS, 'total_cost_usd'] as const;

export type UsageTokenField = (typeof USAGE_TOKEN_FIELDS)[number];
export type UsageField = (typeof USAGE_FIELDS)[number];
/** Absent field: not reported (never shown as 0). */
export type UsageCounts = { [K in UsageField]?: number };

/** Cost sums are kept to this many decimals (a millionth of a cent), so float noise never shows. */
const COST_DECIMALS = 8;
const roundCost = (v: number) => Number(v.toFixed(COST_DECIMALS));

function valid(field: UsageField, v: unknown): v is number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return false;
  return field === 'total_cost_usd' || (Number.isSafeInteger(v));
}

/**
 * The known fields of a report that hold valid numbers (a wrong type or a negative value is left
 * out, not refused: a completion is never lost over its accounting); undefined when none is left.
 */
export function pickUsage(raw: unknown): UsageCounts | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const out: UsageCounts = {};
  for (const f of USAGE_FIELDS) {
    const v = (raw as Record<string, unknown>)[f];
    if (valid(f, v)) out[f] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

/** Field by field; a field either side reported is in the sum, one neither reported stays absent. */
export function addUsage(a: UsageCounts | undefined, b: UsageCounts | undefined): UsageCounts | undefined {
  if (!a || !b) return a ?? b;
  const out: UsageCounts = { ...a };
  for (const f of USAGE_FIELDS) {
    if (b[f] === undefined) continue;
    const sum = (out[f] ?? 0) + b[f]!;
    out[f] = f === 'total_cost_usd' ? roundCost(sum) : sum;
  }
  return out;
}

/** Every token kind added up; undefined when no kind was reported. */
export function totalTokens(u: UsageCounts | undefined): number | undefined {
  const reported = USAGE_TOKEN_FIELDS.filter((f) => u?.[f] !== undefined);
  return reported.length ? reported.reduce((sum, f) => sum + u![f]!, 0) : undefined;
}
