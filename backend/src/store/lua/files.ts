// The Lua sources of this folder by relative path ("send-8.lua", "includes/pump.lua"), read from
// disk when running from source. The bundles replace this module with the texts inlined at build
// time (backend/build/inlineLua.mjs), so dist/ needs no copy of the folder.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function luaFiles(dir = __dirname, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) Object.assign(out, luaFiles(join(dir, entry.name), `${prefix}${entry.name}/`));
    else if (entry.name.endsWith('.lua')) out[prefix + entry.name] = readFileSync(join(dir, entry.name), 'utf8');
  }
  return out;
}
