// Packages the extension as a .vsix: `npm run package -w extension -- [--target linux-x64] [--out file]`.
//
// The bundles (esbuild) carry all our code and libraries, so vsce runs with --no-dependencies on a
// clean staging folder. The one thing that cannot be bundled is the Claude Agent SDK with its native
// Claude Code binary (~360 MB, one per platform): for a platform target (linux-x64, darwin-arm64,
// win32-x64, …) the SDK and that platform's binary are shipped under dist/node_modules, where the
// bundle's `import('@anthropic-ai/claude-agent-sdk')` finds them. `--target universal` ships the SDK
// without a binary (2 MB; tasks then need `wegent.claudeCodePath` to point at a Claude Code).
// vsce is the extension workspace's devDependency (@vscode/vsce 3.9, Node >= 20), run with this Node:
// `npm install` alone is enough to package.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const extensionDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repo = resolve(extensionDir, '..');
const args = process.argv.slice(2);
const opt = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const target = opt('--target') ?? `${process.platform}-${process.arch}`;
const skipBuild = args.includes('--skip-build');

/** vsce target → the SDK's platform package (the SDK names musl builds "-musl", vsce "alpine-"). */
const SDK_PLATFORM = {
  'linux-x64': 'linux-x64', 'linux-arm64': 'linux-arm64', 'alpine-x64': 'linux-x64-musl', 'alpine-arm64': 'linux-arm64-musl',
  'darwin-x64': 'darwin-x64', 'darwin-arm64': 'darwin-arm64', 'win32-x64': 'win32-x64', 'win32-arm64': 'win32-arm64',
};
if (target !== 'universal' && !SDK_PLATFORM[target]) fail(`Unknown --target ${target}. Use one of: universal, ${Object.keys(SDK_PLATFORM).join(', ')}.`);

const manifest = JSON.parse(readFileSync(join(extensionDir, 'package.json'), 'utf8'));
const out = resolve(opt('--out') ?? join(extensionDir, 'dist', `${manifest.name}-${manifest.version}-${target}.vsix`));

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

function sh(cmd, cmdArgs, cwd) {
  const r = spawnSync(cmd, cmdArgs, { cwd, stdio: 'inherit' });
  if (r.status !== 0) fail(`${cmd} ${cmdArgs.join(' ')} failed (${r.status ?? r.signal})`);
}

/** The devDependency's entry script (`npm install` puts it in node_modules; no toolchain of its own). */
function vsceScript() {
  try {
    const require = createRequire(join(extensionDir, 'package.json'));
    const pkgJson = require.resolve('@vscode/vsce/package.json');
    return join(dirname(pkgJson), JSON.parse(readFileSync(pkgJson, 'utf8')).bin.vsce);
  } catch {
    fail('@vscode/vsce is not installed: run `npm install` in the repository first (it is a devDependency of extension/).');
  }
}

if (!skipBuild) {
  sh(process.execPath, ['esbuild.mjs', '--only', 'extension,executor,webview', '--production'], repo);
  sh(process.execPath, [join(extensionDir, 'scripts/copy-webview.mjs')], repo);
}
for (const f of ['dist/extension.js', 'dist/cli.js', 'dist/webview/main.js']) {
  if (!existsSync(join(extensionDir, f))) fail(`${f} is missing: the build did not produce it.`);
}

const stage = mkdtempSync(join(tmpdir(), 'wegent-vsix-'));
try {
  // The published manifest: no dependencies (everything is bundled or staged), no scripts to run.
  const { dependencies, devDependencies, scripts, private: _private, ...published } = manifest;
  writeFileSync(join(stage, 'package.json'), JSON.stringify(published, null, 2));
  for (const f of ['README.md', 'CHANGELOG.md', 'LICENSE', 'package.nls.json', 'package.nls.zh-cn.json', 'l10n', 'media']) {
    if (existsSync(join(extensionDir, f))) cpSync(join(extensionDir, f), join(stage, f), { recursive: true });
  }
  mkdirSync(join(stage, 'dist'));
  for (const f of ['extension.js', 'cli.js', 'webview']) cpSync(join(extensionDir, 'dist', f), join(stage, 'dist', f), { recursive: true });

  // The SDK's JavaScript always ships (5 MB); its Claude Code binary only in platform builds.
  const require = createRequire(join(extensionDir, 'package.json'));
  const sdkDir = dirname(require.resolve('@anthropic-ai/claude-agent-sdk'));
  const into = join(stage, 'dist', 'node_modules', '@anthropic-ai');
  cpSync(sdkDir, join(into, 'claude-agent-sdk'), { recursive: true });
  if (target !== 'universal') {
    const platformPkg = `@anthropic-ai/claude-agent-sdk-${SDK_PLATFORM[target]}`;
    const platformDir = join(dirname(sdkDir), `claude-agent-sdk-${SDK_PLATFORM[target]}`);
    if (!existsSync(platformDir)) {
      fail(`${platformPkg} is not installed (npm installs only this machine's). Install it first: npm install --no-save --force ${platformPkg}@${JSON.parse(readFileSync(join(sdkDir, 'package.json'), 'utf8')).version}`);
    }
    cpSync(platformDir, join(into, `claude-agent-sdk-${SDK_PLATFORM[target]}`), { recursive: true });
  }

  mkdirSync(dirname(out), { recursive: true });
  const vsce = vsceScript();
  const targetArgs = target === 'universal' ? [] : ['--target', target];
  // The extension lives in the repo's extension/ folder: without these, vsce rewrites the README's
  // relative links (media/*.png screenshots) to the repo root, where they do not exist.
  const repoUrl = String(manifest.repository?.url ?? manifest.repository ?? '').replace(/\.git$/, '');
  const baseArgs = repoUrl ? ['--baseContentUrl', `${repoUrl}/blob/HEAD/extension`, '--baseImagesUrl', `${repoUrl}/raw/HEAD/extension`] : [];
  sh(process.execPath, [vsce, 'package', '--no-dependencies', ...targetArgs, ...baseArgs, '--out', out], stage);
  console.log(`package: ${out}`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
