// `npm run schemas`: regenerates shared/schema/ from the zod schemas and removes files no schema
// produces any more. Run it after changing anything in shared/src that a payload uses; the drift
// test (shared/test/schemas.test.ts) fails until the committed files match.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { buildSchemas } from './buildSchemas';

export const SCHEMA_DIR = join(__dirname, '..', 'schema');

function listJson(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith('.json'))
    .map((d) => relative(dir, join(d.parentPath, d.name)).split('\\').join('/'));
}

const files = buildSchemas();
mkdirSync(SCHEMA_DIR, { recursive: true });
for (const stale of listJson(SCHEMA_DIR).filter((f) => !files.has(f))) rmSync(join(SCHEMA_DIR, stale));
for (const [path, text] of files) {
  mkdirSync(dirname(join(SCHEMA_DIR, path)), { recursive: true });
  writeFileSync(join(SCHEMA_DIR, path), text);
}
console.log(`wrote ${files.size} JSON Schemas to ${relative(process.cwd(), SCHEMA_DIR) || '.'}`);
