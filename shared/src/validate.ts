// Turns a zod failure into the protocol's INVALID_PAYLOAD error, naming the field at fault.
import type { z } from 'zod';
import { ErrorCode, type ProtocolError } from './errors';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: ProtocolError };

export function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.length ? issue.path.map(String).join('.') : 'payload';
  return `Invalid field "${field}": ${issue.message}`;
}

export function parsePayload<S extends z.ZodType>(schema: S, data: unknown): Parsed<z.infer<S>> {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, error: { code: ErrorCode.INVALID_PAYLOAD, message: 'The payload must be a JSON object.' } };
  }
  if (nestedDeeperThan(data, MAX_PAYLOAD_DEPTH)) {
    return { ok: false, error: { code: ErrorCode.INVALID_PAYLOAD, message: `The payload nests objects or arrays more than ${MAX_PAYLOAD_DEPTH} levels deep; send flatter data.` } };
  }
  const result = schema.safeParse(data);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    error: { code: ErrorCode.INVALID_PAYLOAD, message: describeIssue(result.error.issues[0]) },
  };
}

/**
 * Payloads nesting deeper than this are refused. Free-form fields (tool_use.input, usage) are
 * stored with JSON.stringify and pushed through Socket.IO's encoder, both recursive: a few thousand
 * levels (a 10 KB payload) overflow the stack and would turn into an endless retry of one event.
 */
export const MAX_PAYLOAD_DEPTH = 64;

/**
 * True when objects/arrays in `value` nest more than `max` levels. It recurses at most max + 1 levels
 * (so however deep the payload, the stack is safe) and allocates nothing: it runs on every payload.
 */
export function nestedDeeperThan(value: unknown, max: number, depth = 0): boolean {
  if (depth > max) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const child: unknown = value[i];
      if (child !== null && typeof child === 'object' && nestedDeeperThan(child, max, depth + 1)) return true;
    }
    return false;
  }
  const obj = value as Record<string, unknown>;
  for (const key in obj) {
    if (!Object.hasOwn(obj, key)) continue;
    const child = obj[key];
    if (child !== null && typeof child === 'object' && nestedDeeperThan(child, max, depth + 1)) return true;
  }
  return false;
}
