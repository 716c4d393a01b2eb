// Before/after: compares two bench results files row by row (ratios to the relay measured in each
// run, since absolute times drift on a shared machine).
//   npx tsx bench/compare.ts BEFORE.json AFTER.json
import { readFileSync } from 'node:fs';
import type { Row } from './lib/report';

const [beforeFile, afterFile] = process.argv.slice(2);
if (!beforeFile || !afterFile) {
  console.error('usage: tsx bench/compare.ts BEFORE.json AFTER.json');
  process.exit(2);
}
const load = (f: string) => JSON.parse(readFileSync(f, 'utf8')) as { meta: { commit?: string; started: string }; rows: Row[] };
const before = load(beforeFile);
const after = load(afterFile);
const key = (r: Row) => `${r.scenario} | ${r.metric}`;
const old = new Map(before.rows.map((r) => [key(r), r]));
const show = (r: Row | undefined) => (r ? `${r.ours}${r.ratio !== undefined ? ` (${r.ratio}×)` : ''}` : '—');
console.log(`before: ${before.meta.commit ?? '?'} (${before.meta.started})   after: ${after.meta.commit ?? '?'} (${after.meta.started})\n`);
console.log('| scenario | metric | before (ratio to relay) | after (ratio to relay) | unit |');
console.log('|---|---|---|---|---|');
for (const r of after.rows) console.log(`| ${r.scenario} | ${r.metric} | ${show(old.get(key(r)))} | ${show(r)} | ${r.unit} |`);
