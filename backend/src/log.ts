// Structured JSON logs (pino). Tokens, passwords and secrets are redacted by path as a second line
// of defence; the code never passes them to the logger in the first place.
import pino from 'pino';

export function createLogger(level: string) {
  return pino({
    level,
    base: { svc: 'wegent-backend', pid: process.pid },
    redact: { paths: ['token', 'password', 'secret', '*.token', '*.password', '*.secret', 'auth.token', 'headers.authorization'], censor: '[redacted]' },
  });
}

export type Logger = pino.Logger;
