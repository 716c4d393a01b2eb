// Starts a real VS Code (code-server: the VS Code workbench with a Node extension host) for tests, in
// a private user-data and extensions dir, and stops it with its whole process group (it spawns a
// file watcher, extension hosts and language servers). Installed outside the repo by
// .ci/setup.d/vscode-host.sh; see docs/extension.md.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../test/support/redis';

export const CODE_SERVER_VERSION = process.env.WEGENT_CODE_SERVER_VERSION ?? '4.139.1';

export interface CodeServerInstall {
  /** Node 24 (code-server's engine) */
  node: string;
  /** code-server's entry script */
  entry: string;
}

/** Finds the cached install, or explains how to make one. */
export function findCodeServer(): CodeServerInstall {
  const dir = process.env.WEGENT_VSCODE_HOST_DIR
    ? join(process.env.WEGENT_VSCODE_HOST_DIR, CODE_SERVER_VERSION)
    : join(homedir(), '.cache', 'wegent-vscode-host', CODE_SERVER_VERSION);
  const install = {
    node: join(dir, 'node_modules/.bin/node'),
    entry: join(dir, 'node_modules/.bin/code-server'),
  };
  if (!existsSync(join(dir, '.complete')) || !Object.values(install).every(existsSync)) {
    throw new Error(
      `code-server ${CODE_SERVER_VERSION} is not installed in ${dir}.\n` +
        'The VS Code tests run the real VS Code through code-server (Node 24, ~900 MB on disk, ~2–3 min to install).\n' +
        'Install it with:  bash .ci/setup.d/vscode-host.sh   (npm test does this itself before it tests)',
    );
  }
  return install;
}

export interface CodeServer {
  url: string;
  port: number;
  userDataDir: string;
  extensionsDir: string;
  logs(): string;
  stop(): Promise<void>;
}

export interface CodeServerOptions {
  install: CodeServerInstall;
  /** A folder, a .code-workspace file (multi-root), or '' for a window with no folder. */
  workspace: string;
  /** Loads a development extension and test module from the URL payload (Route A). */
  smokeTestDriver?: boolean;
  /** User settings merged over the test defaults. */
  settings?: Record<string, unknown>;
  /** Extra environment; it reaches the extension host. */
  env?: Record<string, string>;
  /** Reuse these dirs (e.g. after installing a .vsix into them). */
  userDataDir?: string;
  extensionsDir?: string;
}

/** A fresh pair of dirs for a code-server profile, seeded with quiet settings. */
export function makeProfile(settings: Record<string, unknown> = {}): { userDataDir: string; extensionsDir: string; root: string } {
  const root = mkdtempSync(join(tmpdir(), 'wegent-vscode-'));
  const userDataDir = join(root, 'user-data');
  const extensionsDir = join(root, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeSettings(userDataDir, settings);
  return { userDataDir, extensionsDir, root };
}

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  const port = await freePort();
  const profile = opts.userDataDir && opts.extensionsDir ? undefined : makeProfile(opts.settings);
  const userDataDir = opts.userDataDir ?? profile!.userDataDir;
  const extensionsDir = opts.extensionsDir ?? profile!.extensionsDir;
  const args = [
    opts.install.entry,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    // A closed browser's extension host would otherwise linger for the 3 h grace time.
    '--reconnection-grace-time', '5',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    ...(opts.smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    ...(opts.workspace ? [opts.workspace] : []), // '' = a window with no folder
  ];
  let output = '';
  const child: ChildProcess = spawn(opts.install.node, args, {
    detached: true, // own process group, so stop() reaches every child it spawns
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env, PATH: `${join(opts.install.node, '..')}:${process.env.PATH ?? ''}` },
  });
  const keep = (b: Buffer) => {
    output = (output + b.toString()).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      /* already gone */
    }
  };
  const onExit = () => kill('SIGKILL');
  process.once('exit', onExit);

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}) before it was ready:\n${output}`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      kill('SIGKILL');
      throw new Error(`code-server did not answer ${url}/healthz within 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url,
    port,
    userDataDir,
    extensionsDir,
    logs: () => output,
    async stop() {
      process.off('exit', onExit);
      kill('SIGTERM');
      const timer = setTimeout(() => kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
      kill('SIGKILL'); // children that ignored SIGTERM
      if (profile) rmSync(profile.root, { recursive: true, force: true });
    },
  };
}

/** Writes the profile's user settings (quiet defaults + `settings`); a running workbench picks them up. */
export function writeSettings(userDataDir: string, settings: Record<string, unknown>): void {
  const quiet = {
    // Without this code-server starts an agent host and a copilot runtime on a 2-core machine.
    'chat.disableAIFeatures': true,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'telemetry.telemetryLevel': 'off',
    'security.workspace.trust.enabled': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
  };
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...quiet, ...settings }, null, 2));
}

/** `code-server --install-extension x.vsix` into a profile's extensions dir. */
export async function installVsix(install: CodeServerInstall, vsix: string, dirs: { userDataDir: string; extensionsDir: string }): Promise<void> {
  await run(install.node, [install.entry, '--user-data-dir', dirs.userDataDir, '--extensions-dir', dirs.extensionsDir, '--install-extension', vsix]);
}

export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out}`))));
  });
}
