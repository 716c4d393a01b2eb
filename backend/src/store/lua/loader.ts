// Turns a script file of this folder into the source Redis runs. Files are named BullMQ style,
// `<name>-<number of keys>.lua`, so the key count the wrapper must pass is read from the name.
// A line `--- @include "x"` splices in includes/x.lua (once per script, recursively), since Redis
// scripts cannot call one another. A few includes are generated from the TypeScript definitions
// instead of written (GENERATED), so facts like the final statuses have one definition.
import { FINAL_STATUSES } from '@wegent/shared';
import { luaFiles } from './files';

const GENERATED: Record<string, () => string> = {
  /** FINAL[status] is true for the statuses a subtask ends in (FINAL_STATUSES in shared/). */
  final: () => `local FINAL = { ${FINAL_STATUSES.map((s) => `['${s}'] = true`).join(', ')} }`,
};

const INCLUDE = /^--- @include "([a-zA-Z0-9_-]+)"\s*$/;

export interface LoadedScript {
  name: string;
  numberOfKeys: number;
  lua: string;
}

let files: Record<string, string> | null = null;

function expand(source: string, seen: Set<string>, from: string): string {
  return source
    .split('\n')
    .map((line) => {
      const m = INCLUDE.exec(line);
      if (!m) return line;
      const name = m[1];
      if (seen.has(name)) return `-- (${name} already included)`;
      seen.add(name);
      const generated = GENERATED[name];
      if (generated) return generated();
      const text = files![`includes/${name}.lua`];
      if (text === undefined) throw new Error(`${from}: no include "${name}" (includes/${name}.lua)`);
      return expand(text, seen, `includes/${name}.lua`);
    })
    .join('\n');
}

/** `file` without ".lua", e.g. "progress-3". */
export function loadScript(file: string): LoadedScript {
  files ??= luaFiles();
  const m = /^([a-zA-Z]+)-(\d+)$/.exec(file);
  if (!m) throw new Error(`Lua script names are <name>-<number of keys>, not "${file}"`);
  const source = files[`${file}.lua`];
  if (source === undefined) throw new Error(`no Lua script ${file}.lua in backend/src/store/lua`);
  return { name: m[1], numberOfKeys: Number(m[2]), lua: expand(source, new Set(), `${file}.lua`) };
}

/** Every script file of the folder (not the includes), for tests that check them all. */
export function scriptFiles(): string[] {
  files ??= luaFiles();
  return Object.keys(files).filter((f) => !f.includes('/')).map((f) => f.replace(/\.lua$/, ''));
}
