// The README's quick start on what a fresh clone has: no bundles (dist/ is git-ignored), a new HOME,
// no Redis. `npm start` must serve a working chat page, print a headless-executor command that works
// pasted as is from another folder, and on the next start remind of the account and of the way back
// from a lost password, each as a command that works.
//
// The clone is a copy of every file git tracks or would track (a `git clone` would miss uncommitted
// work while iterating; in CI the two are the same). node_modules is the one thing reused: the
// clone's is a folder of links to this checkout's packages, except our own workspace packages, which
// point into the clone as `npm install` would link them. `npm install`'s own `prepare` build is thus
// skipped on purpose: `npm start` has to build everything it needs by itself.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import type { Browser } from 'playwright-core';
import { REPO_ROOT } from '../support/backend';
import { api } from '../support/clients';
import { reply, startModelServer, text, toolUse, type ModelServer } from '../support/modelServer';
import { freePort } from '../support/redis';
import { waitFor } from '../support/wait';
import { lastStatus, launchChromium, openChat, openPicker, pickerRow, sendMessage, signIn } from '../../webview-ui/test/e2e/harness';

const PATIENCE = { timeout: 120_000 };

/** Tracked and not-ignored files of this checkout, copied to `dir`: what a clone of it would hold. */
function copyCheckout(dir: string): void {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\0');
  for (const file of files) {
    if (!file || !existsSync(join(REPO_ROOT, file))) continue; // deleted but not yet committed
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(REPO_ROOT, file), join(dir, file), { verbatimSymlinks: true });
  }
}

/** node_modules for the clone: this checkout's third-party packages, the clone's own workspaces. */
function linkNodeModules(dir: string): void {
  const workspaces = new Map<string, string>(); // package name → folder, from the lockfile npm wrote
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { link?: boolean; resolved?: string }> };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (entry.link && entry.resolved) workspaces.set(path.replace(/^node_modules\//, ''), entry.resolved);
  }
  const from = join(REPO_ROOT, 'node_modules');
  const to = join(dir, 'node_modules');
  mkdirSync(to);
  for (const name of readdirSync(from)) {
    if (name === '.package-lock.json') continue;
    if (!name.startsWith('@')) {
      if (!workspaces.has(name)) symlinkSync(join(from, name), join(to, name));
      continue;
    }
    mkdirSync(join(to, name));
    for (const sub of readdirSync(join(from, name))) {
      if (!workspaces.has(`${name}/${sub}`)) symlinkSync(join(from, name, sub), join(to, name, sub));
    }
  }
  for (const [name, folder] of workspaces) {
    symlinkSync(join(dir, folder), join(to, name));
    // A workspace's own nested node_modules (version conflicts), if npm made one.
    if (existsSync(join(REPO_ROOT, folder, 'node_modules'))) symlinkSync(join(REPO_ROOT, folder, 'node_modules'), join(dir, folder, 'node_modules'));
  }
}

interface Proc {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** Signals the whole process group (npm → sh → node → redis-server). */
  signal(sig: NodeJS.Signals): void;
}

function start(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Proc {
  const child = spawn(cmd, args, { ...opts, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      /* gone */
    }
  };
  return { child, output: () => out, exited, signal };
}

/** The environment of someone who just cloned: a new HOME, none of our variables set. */
function freshEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('WEGENT_') && !k.startsWith('npm_') && !['REDIS_URL', 'PORT', 'HOST', 'LOG_LEVEL'].includes(k)) env[k] = v;
  return { ...env, HOME: home, npm_config_update_notifier: 'false', ...extra };
}

describe('quick start on a fresh clone: npm start, the printed commands', function () {
  this.timeout(300_000);
  const scratch = mkdtempSync(join(tmpdir(), 'wegent-fresh-'));
  const clone = join(scratch, 'clone');
  const home = join(scratch, 'home');
  let backend: Proc | undefined;
  let executor: Proc | undefined;
  let model: ModelServer | undefined;
  let browser: Browser | undefined;

  before(() => {
    mkdirSync(clone);
    mkdirSync(home);
    copyCheckout(clone);
    linkNodeModules(clone);
    assert.equal(existsSync(join(clone, 'webview-ui', 'dist')), false, 'the copy must start unbuilt');
  });
  after(async () => {
    for (const p of [executor, backend]) {
      if (!p || p.child.exitCode !== null) continue;
      p.signal('SIGTERM');
      await Promise.race([p.exited, new Promise((r) => setTimeout(r, 10_000).unref())]);
      p.signal('SIGKILL');
    }
    await browser?.close().catch(() => {});
    await model?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('serves the chat page, and the printed executor command runs a task from another folder', async () => {
    // A port nothing answers on: this machine's own Redis (if any) is not part of a fresh start.
    const env = freshEnv(home, { PORT: String(await freePort()), WEGENT_LOCAL_REDIS_PORT: String(await freePort()) });
    backend = start('npm', ['start'], { cwd: clone, env });
    const url = (await waitFor(() => backend!.output().match(/Wegent backend listening on (\S+)/)?.[1], { ...PATIENCE, message: 'npm start never listened' })) as string;
    const out = backend.output();
    const username = out.match(/username: (\S+)/)?.[1];
    const password = out.match(/password: (\S+)/)?.[1];
    const token = out.match(/A ready API token[^\n]*\n\s+(\S+)/)?.[1];
    const command = out.split('\n').map((l) => l.trim()).find((l) => l.startsWith('WEGENT_TOKEN='));
    assert.ok(username && password && token && command, out);

    // The command carries the real token (in the environment, not argv), the backend and the workspace.
    assert.ok(command.startsWith(`WEGENT_TOKEN=${token} node /`), command);
    assert.match(command, /--mode local/);
    assert.ok(command.includes(`--backend-url ${url}`), command);
    assert.match(command, /--workspace "\$PWD"$/);
    const cli = command.split(' ')[2];
    assert.ok(isAbsolute(cli) && cli.startsWith(clone) && existsSync(cli), `executor path ${cli}`);

    // The page is the chat, not a "build it first" note.
    const page = await fetch(url + '/');
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<script[^>]+src="[^"]*main\.js"/);

    // Pasted into a shell in a project folder outside the clone, with this machine's Claude credentials
    // (here: the scripted model server), the command makes a device that runs a task in that folder.
    model = await startModelServer();
    const project = join(scratch, 'my-project');
    mkdirSync(project);
    model.script('FRESH-CLONE-MARKER', reply(toolUse('Write', { file_path: join(project, 'hello.txt'), content: 'hi\n' })), reply(text('Wrote hello.txt.')));
    executor = start('bash', ['-c', command], { cwd: project, env: freshEnv(home, model.claudeEnv(join(scratch, 'claude-config'))) });
    const device = await waitFor(async () => {
      const r = await api(url, 'GET', '/api/devices', { token });
      return (r.body.devices as { device_id: string; status: string }[] | undefined)?.find((d) => d.status === 'online');
    }, { ...PATIENCE, message: `the executor never came online:\n${executor.output()}` });

    browser = await launchChromium();
    const chat = await openChat({ browser, backend: { url } });
    assert.deepEqual(chat.errors, []);
    await signIn(chat.page, { username, password });
    await openPicker(chat.page);
    await pickerRow(chat.page, device.device_id).locator('.picker-choice').click();
    await sendMessage(chat.page, 'Write hello.txt (FRESH-CLONE-MARKER)');
    // The composer's default mode is "Ask before changes": the Write waits for an Allow in the chat.
    await chat.page.locator('.approval-card[data-state="open"]').getByRole('button', { name: 'Allow once' }).click({ timeout: 120_000 });
    await lastStatus(chat.page).filter({ hasText: 'Completed' }).waitFor({ timeout: 120_000 });
    assert.ok(existsSync(join(project, 'hello.txt')), 'the task did not run in the folder the command was pasted in');
    await chat.close();
  });

  it('reminds of the account on the next start, and its set-password command works', async () => {
    executor?.signal('SIGTERM');
    await executor?.exited;
    backend!.signal('SIGTERM'); // what Ctrl+C does to the whole foreground group
    await backend!.exited;
    const username = backend!.output().match(/username: (\S+)/)![1];

    const env = freshEnv(home, { PORT: String(await freePort()), WEGENT_LOCAL_REDIS_PORT: String(await freePort()) });
    backend = start('npm', ['start'], { cwd: clone, env });
    const url = (await waitFor(() => backend!.output().match(/Wegent backend listening on (\S+)/)?.[1], { ...PATIENCE, message: 'second npm start never listened' })) as string;
    const out = backend.output();
    assert.doesNotMatch(out, /Created the first account/);
    assert.ok(out.includes(`as "${username}"`), out);
    const reset = out.match(/Lost the password\?\s+(node \S+ set-password \S+)/)?.[1];
    assert.ok(reset, out);

    // Run as printed, from anywhere, while the backend runs (in its environment: here that keeps
    // this machine's own Redis out): it prints a password that signs in.
    const printed = JSON.parse(execFileSync('bash', ['-c', reset], { cwd: home, env: freshEnv(home, { WEGENT_LOCAL_REDIS_PORT: env.WEGENT_LOCAL_REDIS_PORT! }), encoding: 'utf8' })) as { password: string };
    const login = await api(url, 'POST', '/api/auth/login', { body: { username, password: printed.password } });
    assert.equal(login.status, 200);
  });
});
