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
  const result = schema.safeParse(data);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    error: { code: ErrorCode.INVALID_PAYLOAD, message: describeIssue(result.error.issues[0]) },
  };
}
