// The fault suite's knobs and the figures it reports (docs/reliability.md quotes them).
//
//   FULL                    true when WEGENT_FAULTS_FULL=1 (npm run test:faults): more cases, more rounds
//   scaled(fast, full)      picks the number for this run
//   recordFigure(name, f)   prints "[faults] name: ..." and appends a JSON line to
//                           .test-artifacts/faults-figures.jsonl, so a run leaves its figures behind
import { appendFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const FULL = process.env.WEGENT_FAULTS_FULL === '1';

export function scaled(fast: number, full: number): number {
  return FULL ? full : fast;
}

export interface Figure {
  /** Fuzz cases run (or fault rounds survived). */
  cases?: number;
  faults?: number;
  crashes?: number;
  lostEvents?: number;
  duplicatedEvents?: number;
  [extra: string]: number | string | undefined;
}

const FIGURES_FILE = join(resolve(__dirname, '..', '..', '..'), '.test-artifacts', 'faults-figures.jsonl');

export function recordFigure(name: string, figure: Figure): void {
  const line = { name, full: FULL, at: new Date().toISOString(), ...figure };
  const text = Object.entries(figure).map(([k, v]) => `${k}=${v}`).join(' ');
  process.stdout.write(`      [faults] ${name}: ${text}\n`);
  try {
    mkdirSync(join(FIGURES_FILE, '..'), { recursive: true });
    appendFileSync(FIGURES_FILE, JSON.stringify(line) + '\n');
  } catch {
    /* figures are a convenience; a read-only checkout must not fail the suite */
  }
}
