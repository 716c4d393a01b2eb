// What a protocol answer must look like, for fuzz and security tests.
import assert from 'node:assert/strict';
import { ErrorCode } from '@wegent/shared';

const CODES = new Set<string>(Object.values(ErrorCode));

/** An ack is {ok:true,...} or {ok:false, error:{code: a protocol code other than INTERNAL, message}}. */
export function assertProtocolAck(ack: unknown, what: string): asserts ack is { ok: boolean; error?: { code: string; message: string } } {
  assert.ok(ack && typeof ack === 'object' && !Array.isArray(ack), `${what}: ack is not an object: ${JSON.stringify(ack)}`);
  const a = ack as { ok?: unknown; error?: { code?: unknown; message?: unknown } };
  assert.equal(typeof a.ok, 'boolean', `${what}: ack has no boolean ok: ${JSON.stringify(ack).slice(0, 300)}`);
  if (a.ok === false) assertProtocolError(a.error, what);
}

export function assertProtocolError(error: unknown, what: string): void {
  const e = error as { code?: unknown; message?: unknown } | undefined;
  assert.ok(e && typeof e.code === 'string' && CODES.has(e.code), `${what}: not a protocol error code: ${JSON.stringify(error)?.slice(0, 300)}`);
  assert.notEqual(e.code, ErrorCode.INTERNAL, `${what}: the backend failed internally: ${e.message}`);
  assert.ok(typeof e.message === 'string' && e.message.length > 0 && e.message.length <= 2000, `${what}: error message missing or unbounded (${String(e.message).length} chars)`);
}

/** Short description of a payload for assertion messages (fuzz payloads can be megabytes). */
export function brief(value: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch (err) {
    s = `<unserialisable: ${(err as Error).message}>`;
  }
  return s.length > 300 ? `${s.slice(0, 300)}… (${s.length} chars)` : s;
}
