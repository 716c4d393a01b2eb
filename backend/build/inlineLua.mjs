// esbuild plugin: the bundles carry the Lua scripts inline. backend/src/store/lua/files.ts reads
// them from disk when run from source (tsx, the tests); in a bundle there is no source folder, so
// this plugin replaces that module with one that returns the same texts, read at build time.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

function luaFiles(dir, base = dir) {
  const out = {};
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) Object.assign(out, luaFiles(path, base));
    else if (entry.name.endsWith('.lua')) out[relative(base, path).split('\\').join('/')] = readFileSync(path, 'utf8');
  }
  return out;
}

export function inlineLua() {
  return {
    name: 'inline-lua',
    setup(build) {
      build.onLoad({ filter: /[\\/]store[\\/]lua[\\/]files\.ts$/ }, (args) => {
        const dir = join(args.path, '..');
        const files = luaFiles(dir);
        return {
          contents: `export function luaFiles() { return ${JSON.stringify(files)}; }\n`,
          loader: 'ts',
          // --watch rebuilds when a script changes
          watchFiles: Object.keys(files).map((f) => join(dir, f)),
          watchDirs: [dir, join(dir, 'includes')],
        };
      });
    },
  };
}
