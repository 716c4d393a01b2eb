// `wegent-executor service install|status|uninstall` (issue 16): what it writes (unit, plist,
// Windows script), the modes of the token file, and that the very command line the unit holds runs
// an executor that comes online with the token in no file it wrote but the env file, and in no argv.
// systemd itself is not needed: the test runs the unit's ExecStart line as systemd would.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { launchdPlist, systemdUnit, windowsScript } from '../../src/service/serviceFiles';
import { buildCli, onlineDevice, runCli, exitWithin, type CliRun } from './cliProcess';
import { startStack, type Stack } from './stack';
import { tempDir } from './tmp';

/** The words of a systemd ExecStart= line as written by systemdUnit (each in double quotes). */
function execStartWords(unit: string): string[] {
  const line = unit.split('\n').find((l) => l.startsWith('ExecStart='))!.slice('ExecStart='.length);
  return [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1').replace(/\$\$/g, '$').replace(/%%/g, '%'));
}

describe('executor: wegent-executor service', function () {
  this.timeout(120_000);
  let stack: Stack;
  const runs: CliRun[] = [];

  before(async function () {
    this.timeout(120_000);
    buildCli();
    stack = await startStack();
  });
  after(async () => {
    for (const r of runs) if (r.proc.exitCode === null) r.proc.kill('SIGKILL');
    await stack?.stop();
  });

  it('unit, plist and Windows script: the command line quoted for each, restart on failure, logs where the OS looks', () => {
    const command = ['/opt/node 20/bin/node', '/srv/cli.js', '--token-file', '/home/me/.config/wegent-executor/executor.env', '--name', 'Box "$HOME" 100%'];
    const unit = systemdUnit(command, 'Wegent executor (Box)');
    assert.deepEqual(execStartWords(unit), command);
    assert.match(unit, /^Restart=on-failure$/m);
    assert.match(unit, /^RestartPreventExitStatus=2 3 5$/m, 'a refused token is not retried forever');
    assert.match(unit, /^WantedBy=default\.target$/m);
    const plist = launchdPlist(command, '/Users/me/Library/Logs/wegent-executor.log');
    assert.match(plist, /<string>Box "\$HOME" 100%<\/string>/);
    assert.match(plist, /<key>KeepAlive<\/key><dict><key>SuccessfulExit<\/key><false\/><\/dict>/);
    assert.match(plist, /<key>StandardErrorPath<\/key><string>\/Users\/me\/Library\/Logs\/wegent-executor\.log<\/string>/);
    assert.match(windowsScript(command), /^"\/opt\/node 20\/bin\/node" \/srv\/cli\.js --token-file /m);
  });

  it('install writes an owner-only token file and a unit without the token; the unit\'s own command line runs an online executor with no token in argv', async function () {
    if (process.platform !== 'linux') this.skip();
    const home = tempDir('home');
    const workspace = tempDir('ws');
    const env = { HOME: home, XDG_CONFIG_HOME: '', WEGENT_TOKEN: stack.user.token };
    const install = runCli(['service', 'install', '--no-start', '--backend-url', stack.backend.url, '--name', 'Service box', '--data-dir', tempDir('data'), '--permission-mode', 'acceptEdits'], env, { cwd: workspace });
    runs.push(install);
    assert.equal(await exitWithin(install, 30_000), 0, install.output());
    const unitFile = path.join(home, '.config', 'systemd', 'user', 'wegent-executor.service');
    const envFile = path.join(home, '.config', 'wegent-executor', 'executor.env');
    assert.match(install.output(), /systemctl --user daemon-reload && systemctl --user enable --now wegent-executor/);
    assert.equal(statSync(envFile).mode & 0o777, 0o600);
    assert.equal(statSync(path.dirname(envFile)).mode & 0o777, 0o700);
    assert.equal(readFileSync(envFile, 'utf8').includes(`WEGENT_TOKEN=${stack.user.token}`), true);
    const unit = readFileSync(unitFile, 'utf8');
    assert.ok(!unit.includes(stack.user.token), 'the token is in the unit file');
    assert.ok(!install.output().includes(stack.user.token), 'install printed the token');
    const words = execStartWords(unit);
    assert.deepEqual(words.slice(2, 4), ['--token-file', envFile]);
    assert.ok(words.includes('--workspace') && words[words.indexOf('--workspace') + 1] === workspace, 'the folder install ran in becomes the workspace');

    // Run the unit's line as systemd would: no WEGENT_TOKEN in the environment, not from our cwd.
    let out = '';
    const proc = spawn(words[0]!, words.slice(1), { env: { PATH: process.env.PATH!, HOME: home, ...stack.model.claudeEnv(stack.claudeConfigDir) }, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
    const service: CliRun = { proc, output: () => out, exit: new Promise((r) => proc.once('exit', (c) => r(c))) };
    proc.stdout!.on('data', (d) => (out += d));
    proc.stderr!.on('data', (d) => (out += d));
    runs.push(service);
    await onlineDevice(service, stack.backend.url, stack.user.token, 'Service box');
    const argv = readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8');
    assert.ok(argv.includes('--token-file') && !argv.includes(stack.user.token), 'the token is in the service\'s argv');
    assert.ok(!readFileSync(`/proc/${proc.pid}/environ`, 'utf8').includes(stack.user.token));
    proc.kill('SIGTERM');
    assert.equal(await exitWithin(service, 30_000), 0, out);

    const status = runCli(['service', 'status'], env);
    await exitWithin(status, 30_000);
    assert.match(status.output(), /Installed: .*wegent-executor\.service/);
    const uninstall = runCli(['service', 'uninstall'], env);
    assert.equal(await exitWithin(uninstall, 30_000), 0, uninstall.output());
    assert.equal(existsSync(unitFile) || existsSync(envFile), false, 'uninstall left files behind');
  });

  it('install refuses what a run would refuse, before writing anything', async () => {
    const home = tempDir('home');
    const run = runCli(['service', 'install', '--max-slots', '9'], { HOME: home, XDG_CONFIG_HOME: '', WEGENT_TOKEN: 'wg-x-token-123' });
    assert.equal(await exitWithin(run, 30_000), 2);
    assert.match(run.output(), /--max-slots/);
    assert.equal(existsSync(path.join(home, '.config')), false);
  });
});
