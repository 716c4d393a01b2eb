// Summarizes a V8 .cpuprofile (from `npm run bench -- --profile`, which starts the backend with
// --cpu-prof): self time per function and per package / source file, mapped through the bundle's
// source map (the .map beside it), so it is clear where the backend's CPU goes. Idle time is left out.
//   npx tsx bench/profile.ts bench/profiles/<file>.cpuprofile [top]
// (The bundle must still exist for source mapping: run.ts summarizes before it exits.)
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A frame's package, or source file of ours. */
export function where(url: string): string {
  if (!url) return '(native/V8)';
  const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (m) return m[1];
  if (url.startsWith('node:')) return url;
  const src = url.match(/(backend|shared)\/src\/.*$/);
  return src ? src[0] : url.split('/').slice(-2).join('/');
}

const maps = new Map<string, SourceMap | null>();
/** A bundle's source map: the .map file it names (as npm start's and the tests' bundles do), or inline. */
function sourceMapOf(path: string): SourceMap | null {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const m = text.match(/sourceMappingURL=(\S+)\s*$/);
  if (!m) return null;
  const inline = m[1].match(/^data:application\/json;base64,(.+)$/);
  const mapFile = join(dirname(path), m[1]);
  const json = inline ? Buffer.from(inline[1], 'base64').toString('utf8') : existsSync(mapFile) ? readFileSync(mapFile, 'utf8') : null;
  return json ? new SourceMap(JSON.parse(json)) : null;
}

/** The original source position of a frame in an esbuild bundle with a source map. */
export function original(url: string, line: number, column: number): { url: string; line: number } {
  if (!url.startsWith('file://')) return { url, line };
  if (!maps.has(url)) maps.set(url, sourceMapOf(fileURLToPath(url)));
  const entry = maps.get(url)?.findEntry(line, column) as { originalSource?: string; originalLine?: number } | undefined;
  return entry?.originalSource ? { url: entry.originalSource, line: entry.originalLine ?? 0 } : { url, line };
}

export function summarizeProfile(file: string, top = 25): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const fnTime = new Map<string, number>();
  const pkgTime = new Map<string, number>();
  let busy = 0;
  for (const [id, t] of self) {
    const n = byId.get(id)!;
    if (n.callFrame.functionName === '(idle)') continue;
    busy += t;
    const o = original(n.callFrame.url, n.callFrame.lineNumber, n.callFrame.columnNumber);
    const key = `${n.callFrame.functionName || '(anonymous)'}  ${where(o.url)}:${o.line + 1}`;
    fnTime.set(key, (fnTime.get(key) ?? 0) + t);
    pkgTime.set(where(o.url), (pkgTime.get(where(o.url)) ?? 0) + t);
  }
  const pct = (t: number) => `${((100 * t) / busy).toFixed(1).padStart(5)}%`;
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, t]) => `${pct(t)}  ${k}`);
  return [
    `busy (non-idle) CPU sampled: ${(busy / 1e6).toFixed(2)} s`,
    '', 'by package / source file (self time, % of busy):', ...sorted(pkgTime),
    '', 'by function (self time, % of busy):', ...sorted(fnTime),
  ].join('\n');
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: tsx bench/profile.ts FILE.cpuprofile [top]');
    process.exit(2);
  }
  console.log(summarizeProfile(file, Number(top ?? 25)));
}
