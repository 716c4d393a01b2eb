// fast-check arbitraries for hostile input: wrong types, missing and extra fields, huge strings and
// arrays, deep nesting, prototype-pollution keys, lone surrogates (invalid UTF-16 that becomes
// invalid UTF-8 if anyone encodes it naively), and mutations of a valid payload, which is where the
// interesting bugs live (a payload that is almost right gets furthest into the backend).
import fc from 'fast-check';

export const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'];

/** Nested arrays/objects `depth` levels deep, built without recursion. */
export function deepNest(depth: number, kind: 'array' | 'object' = 'array'): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = kind === 'array' ? [v] : { a: v };
  return v;
}

/** An object whose own property is literally "__proto__" (as JSON.parse would build it). */
export function withKey(key: string, value: unknown, base: Record<string, unknown> = {}): Record<string, unknown> {
  const o: Record<string, unknown> = { ...base };
  Object.defineProperty(o, key, { value, enumerable: true, configurable: true, writable: true });
  return o;
}

const loneSurrogates = fc.constantFrom('\uD800', '\uDFFF', 'a\uD83D', '\uDC00b', '\u0000', '\uFFFE', '\u202E');

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.tuple(fc.string({ maxLength: 8 }), loneSurrogates).map(([a, b]) => a + b) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'cloud', '../../etc/passwd', 'wg:*', '*', '%00', '<script>alert(1)</script>', "'; DROP TABLE x;--", '{{7*7}}', '${jndi:x}', 'a'.repeat(129)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 6 }).map((k) => 'x'.repeat(10 ** k)) },
);

export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, -1, 1.5, 2 ** 31, 2 ** 53, Number.MAX_SAFE_INTEGER + 2, 1e308, -1e308, NaN, Infinity),
);

/** Any JSON-ish value with hostile leaves, hostile keys and occasional extreme shapes. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom(...POLLUTION_KEYS)), tie('value'), { maxKeys: 5 })
      .map((d) => Object.entries(d).reduce<Record<string, unknown>>((o, [k, v]) => withKey(k, v, o), {})),
    // Deeper nesting than this cannot even be encoded by the socket.io client; frames.test.ts sends
    // 100 000 levels as raw packets.
    fc.integer({ min: 2, max: 3 }).map((k) => deepNest(10 ** k, 'array')),
    fc.integer({ min: 2, max: 3 }).map((k) => deepNest(10 ** k, 'object')),
    fc.integer({ min: 3, max: 5 }).map((k) => new Array(10 ** k).fill(0)),
    fc.constantFrom(POLLUTION_KEYS).map(() => JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}')),
  ),
})).value;

/**
 * Payloads for one event: the valid `bases` themselves, each base with one field removed, set to
 * a hostile value, or joined by a hostile extra field, and whole hostile values in its place.
 */
export function payloadFor(bases: Record<string, unknown>[]): fc.Arbitrary<unknown> {
  const base = fc.constantFrom(...bases);
  const fieldOf = (b: Record<string, unknown>) => fc.constantFrom(...Object.keys(b));
  return fc.oneof(
    { weight: 1, arbitrary: base },
    { weight: 3, arbitrary: base.chain((b) => fieldOf(b).map((f) => { const c = { ...b }; delete c[f]; return c; })) },
    { weight: 6, arbitrary: base.chain((b) => fc.tuple(fieldOf(b), hostileValue).map(([f, v]) => ({ ...b, [f]: v }))) },
    { weight: 2, arbitrary: base.chain((b) => fc.tuple(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(...POLLUTION_KEYS)), hostileValue).map(([k, v]) => withKey(k, v, b))) },
    { weight: 3, arbitrary: hostileValue },
  );
}
