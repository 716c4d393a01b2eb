// `wegent-executor service install|uninstall|status [run options]`: the headless executor as a
// service of the user's session — a systemd user unit on Linux, a launchd agent on macOS, printed
// Task Scheduler steps on Windows — restarted when it fails, logging to journalctl / a log file.
// install validates the run options exactly as a run would (parseCli), writes the token to an
// owner-only env file (0600 in a 0700 folder) and runs `<node> <cli.js> --token-file <that file>
// <the other options>`: the token is in no unit, plist or argv.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EXIT, parseCli } from '../executor/cliArgs';
import { LAUNCHD_LABEL, SERVICE_NAME, launchdPlist, servicePaths, systemdUnit, windowsScript, windowsSteps } from './serviceFiles';

export const SERVICE_HELP = `Usage: wegent-executor service install [--no-start] [run options]
       wegent-executor service uninstall | status

install    Runs the executor as a service of your user session, restarted when it fails: a systemd
           user unit on Linux (logs: journalctl --user -u ${SERVICE_NAME}), a launchd agent on macOS
           (logs: ~/Library/Logs/wegent-executor.log), Task Scheduler steps printed on Windows. The run
           options (--mode, --backend-url, --workspace, …) are those of a plain run; the token (from
           --token-file, WEGENT_TOKEN or --token) goes to an owner-only env file the service reads
           with --token-file, never into the unit or any command line. --no-start: write, do not start.
uninstall  Stops the service and removes what install wrote.
status     Says whether it is installed, and what the service manager reports.
`;

export interface ServiceContext {
  platform: NodeJS.Platform;
  home: string;
  env: Record<string, string | undefined>;
  /** node and the cli.js the service runs (the ones running now). */
  node: string;
  cli: string;
  cwd: string;
  out: (line: string) => void;
  /** Runs a service manager command; absent systemctl/launchctl → undefined. */
  run: (command: string, args: string[]) => { status: number | null; output: string } | undefined;
}

export function defaultContext(): ServiceContext {
  return {
    platform: process.platform,
    home: os.homedir(),
    env: process.env,
    node: process.execPath,
    cli: path.resolve(process.argv[1]!),
    cwd: process.cwd(),
    out: (line) => process.stdout.write(`${line}\n`),
    run: (command, args) => {
      const r = spawnSync(command, args, { encoding: 'utf8' });
      if (r.error) return undefined;
      return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
    },
  };
}

/** Run options without any token flag, with the workspace made absolute (a service has no cwd of yours). */
function runArgs(argv: string[], cwd: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--token' || a === '--token-file') i++;
    else if (a.startsWith('--token=') || a.startsWith('--token-file=')) continue;
    else if (a !== '--no-start') out.push(a);
  }
  if (!out.some((a) => a === '--workspace' || a.startsWith('--workspace='))) out.push('--workspace', cwd);
  return out;
}

export function runServiceCommand(argv: string[], ctx: ServiceContext = defaultContext()): number {
  const [action, ...rest] = argv;
  const paths = servicePaths(ctx.platform, ctx.home, ctx.env);
  if (action === 'install') return install(rest, ctx, paths);
  if (action === 'uninstall') return uninstall(ctx, paths);
  if (action === 'status') return status(ctx, paths);
  ctx.out(SERVICE_HELP.trimEnd());
  return action === undefined || action === '--help' || action === '-h' ? EXIT.ok : EXIT.usage;
}

function install(argv: string[], ctx: ServiceContext, paths: ReturnType<typeof servicePaths>): number {
  const parsed = parseCli(argv.filter((a) => a !== '--no-start'), ctx.env);
  if (parsed.kind === 'usage-error') return ctx.out(`wegent-executor service install: ${parsed.message}`), parsed.exitCode;
  if (parsed.kind !== 'run') return ctx.out(SERVICE_HELP.trimEnd()), EXIT.usage;
  const command = [ctx.node, ctx.cli, '--token-file', paths.envFile, ...runArgs(argv, ctx.cwd)];

  mkdirSync(paths.configDir, { recursive: true, mode: 0o700 });
  chmodSync(paths.configDir, 0o700);
  writeFileSync(paths.envFile, `# Wegent executor API token (read with --token-file). Owner-only: keep it 0600.\nWEGENT_TOKEN=${parsed.config.executor.token}\n`, { mode: 0o600 });
  chmodSync(paths.envFile, 0o600);
  mkdirSync(path.dirname(paths.unitFile), { recursive: true });
  const start = !argv.includes('--no-start');
  const name = parsed.config.executor.deviceName ?? 'this machine';
  if (parsed.tokenSource === 'argv') ctx.out('Note: --token put the token on this command line (and in your shell history); prefer --token-file or WEGENT_TOKEN.');

  if (ctx.platform === 'win32') {
    writeFileSync(paths.unitFile, windowsScript(command));
    ctx.out(`Wrote ${paths.unitFile} and the owner-only token file ${paths.envFile}. To run it at every logon, in a Command Prompt:`);
    for (const step of windowsSteps(paths.unitFile)) ctx.out(`  ${step}`);
    return EXIT.ok;
  }
  if (ctx.platform === 'darwin') {
    writeFileSync(paths.unitFile, launchdPlist(command, paths.logFile!), { mode: 0o644 });
    ctx.out(`Wrote ${paths.unitFile} (launchd agent ${LAUNCHD_LABEL}); the token is in ${paths.envFile} (0600). Logs: ${paths.logFile}`);
    const uid = String(process.getuid?.() ?? '');
    return start ? manage(ctx, [['launchctl', ['bootout', `gui/${uid}/${LAUNCHD_LABEL}`], true], ['launchctl', ['bootstrap', `gui/${uid}`, paths.unitFile], false]]) : EXIT.ok;
  }
  writeFileSync(paths.unitFile, systemdUnit(command, `Wegent executor (${name})`), { mode: 0o644 });
  ctx.out(`Wrote ${paths.unitFile}; the token is in ${paths.envFile} (0600). Logs: journalctl --user -u ${SERVICE_NAME} -f`);
  if (!start) return ctx.out(`Start it with: systemctl --user daemon-reload && systemctl --user enable --now ${SERVICE_NAME}`), EXIT.ok;
  return manage(ctx, [['systemctl', ['--user', 'daemon-reload'], false], ['systemctl', ['--user', 'enable', '--now', SERVICE_NAME], false]]);
}

/** Runs service manager steps; says what to run by hand when the manager is missing or refuses. */
function manage(ctx: ServiceContext, steps: Array<[string, string[], boolean]>): number {
  for (const [command, args, mayFail] of steps) {
    const r = ctx.run(command, args);
    const line = `${command} ${args.join(' ')}`;
    if (!r) return ctx.out(`${command} is not available here; run by hand: ${line}`), EXIT.failure;
    if (r.status !== 0 && !mayFail) return ctx.out(`"${line}" failed (${r.status}): ${r.output}`), EXIT.failure;
  }
  ctx.out('Started.');
  return EXIT.ok;
}

function uninstall(ctx: ServiceContext, paths: ReturnType<typeof servicePaths>): number {
  if (ctx.platform === 'linux' && existsSync(paths.unitFile)) ctx.run('systemctl', ['--user', 'disable', '--now', SERVICE_NAME]);
  if (ctx.platform === 'darwin' && existsSync(paths.unitFile)) ctx.run('launchctl', ['bootout', `gui/${process.getuid?.() ?? ''}/${LAUNCHD_LABEL}`]);
  if (ctx.platform === 'win32') ctx.out('Remove the scheduled task: schtasks /Delete /TN "Wegent executor" /F');
  const removed = [paths.unitFile, paths.envFile].filter((f) => existsSync(f));
  for (const f of removed) rmSync(f, { force: true });
  if (ctx.platform === 'linux') ctx.run('systemctl', ['--user', 'daemon-reload']);
  ctx.out(removed.length ? `Removed ${removed.join(' and ')}.` : 'The service is not installed.');
  return EXIT.ok;
}

function status(ctx: ServiceContext, paths: ReturnType<typeof servicePaths>): number {
  if (!existsSync(paths.unitFile)) return ctx.out(`Not installed (no ${paths.unitFile}).`), EXIT.failure;
  ctx.out(`Installed: ${paths.unitFile}; token file ${paths.envFile}${existsSync(paths.envFile) ? '' : ' (missing!)'}.`);
  const r = ctx.platform === 'linux' ? ctx.run('systemctl', ['--user', 'status', '--no-pager', SERVICE_NAME]) : ctx.platform === 'darwin' ? ctx.run('launchctl', ['print', `gui/${process.getuid?.() ?? ''}/${LAUNCHD_LABEL}`]) : undefined;
  if (r) ctx.out(r.output);
  return EXIT.ok;
}
