// Temp directories for executor tests, removed after the test file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const made: string[] = [];

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `wegent-${prefix}-`));
  made.push(dir);
  return dir;
}

/**
 * Retries because a Claude Code process whose executor was SIGKILLed (cli.test.ts) outlives it for a
 * moment and may still write its config dir while it is removed (ENOTEMPTY).
 */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
}

export const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };
