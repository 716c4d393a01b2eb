// A small Logger for shells that write lines to a stream (the CLI; tests): human-readable by default
// ("2026-01-01T00:00:00.000Z INFO  message key=value"), JSON lines on request. Anything shaped like
// a JWT or an API key is masked, so a token can never reach a log even by accident.
import type { Logger } from './api';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error'];

export interface StreamLoggerOptions {
  json?: boolean;
  level?: LogLevel;
  write?: (line: string) => void;
}

const SECRET = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*|\bsk-[A-Za-z0-9_-]{8,}/g;
export const redact = (s: string): string => s.replace(SECRET, '[redacted]');

function formatValue(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /[\s"=]/.test(s) ? JSON.stringify(s) : s;
}

export function createStreamLogger(options: StreamLoggerOptions = {}): Logger {
  const min = LEVELS.indexOf(options.level ?? 'info');
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const log = (level: LogLevel) => (message: string, fields: Record<string, unknown> = {}) => {
    if (LEVELS.indexOf(level) < min) return;
    const time = new Date().toISOString();
    const line = options.json
      ? JSON.stringify({ time, level, msg: message, ...fields })
      : [time, level.toUpperCase().padEnd(5), message, ...Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${formatValue(v)}`)].join(' ');
    write(redact(line));
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
