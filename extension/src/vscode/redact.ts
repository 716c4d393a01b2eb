// Scrubs secrets from anything about to be logged. The executor and the bridge never log tokens on
// purpose; this is the second fence, for an error message that happens to echo a header or a URL.

const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\b/g;
const BEARER = /(bearer\s+)[^\s"',]+/gi;
const SECRET_KEY = /token|secret|password|authorization|api[_-]?key/i;

export function redactText(text: string): string {
  return text.replace(JWT, '[redacted token]').replace(BEARER, '$1[redacted]');
}

/** Copies `fields`, hiding values under secret-looking keys and scrubbing strings. */
export function redactFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (SECRET_KEY.test(key) && !/_ids?$/i.test(key)) out[key] = '[redacted]';
    else if (typeof value === 'string') out[key] = redactText(value);
    else out[key] = value;
  }
  return out;
}
