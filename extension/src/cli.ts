// `wegent-executor`: the headless device (S2). argv/env → an Executor from the core; logs to stderr
// (text, or JSON lines with --json); SIGINT/SIGTERM drain: no new tasks, running ones get --grace
// seconds to finish, then are cancelled and reported, then the process exits. Exit codes: see --help.
import { statSync } from 'node:fs';
import type { ExecutorSnapshot, Logger } from './executor/api';
import { EXIT, HELP, exitCodeFor, parseCli, type TokenSource } from './executor/cliArgs';
import { CREDENTIALS_HINT, findClaudeCredentials } from './executor/claudeCredentials';
import { hideFromProcessListing, type HideOutcome } from './executor/processSecrets';
import { Executor, ExecutorStartError } from './executor/executor';
import { createStreamLogger } from './executor/logger';
import { runWorktreeCommand } from './executor/worktree/command';
import { runServiceCommand } from './service/service';
import pkg from '../package.json';

async function main(): Promise<number> {
  if (process.argv[2] === 'service') return runServiceCommand(process.argv.slice(3));
  const parsed = parseCli(process.argv.slice(2), process.env);
  if (parsed.kind === 'help') return void process.stdout.write(HELP), EXIT.ok;
  if (parsed.kind === 'version') return void process.stdout.write(`${pkg.version}\n`), EXIT.ok;
  if (parsed.kind === 'worktrees') return runWorktreeCommand(parsed.command);
  if (parsed.kind === 'usage-error') {
    process.stderr.write(`wegent-executor: ${parsed.message}\nRun "wegent-executor --help" for usage.\n`);
    return parsed.exitCode;
  }
  const { config } = parsed;
  const log = createStreamLogger({ json: config.json, level: config.verbose ? 'debug' : 'info' });
  warnAboutToken(parsed.tokenSource, hideFromProcessListing(config.executor.token, 'WEGENT_TOKEN'), log);
  const { workspace, mode } = config.executor;
  if (mode === 'local' && !isDirectory(workspace)) {
    log.error(`The workspace folder ${workspace} does not exist. Pass --workspace DIR.`);
    return EXIT.usage;
  }

  const executor = new Executor({ ...config.executor, logger: log, executorVersion: pkg.version });
  let finish!: (code: number) => void;
  const finished = new Promise<number>((resolve) => (finish = resolve));

  executor.on('state', (s: ExecutorSnapshot) => {
    log.debug('State', { state: s.state, slots: `${s.slotsUsed}/${s.maxSlots}` });
    // A refused token or a takeover is final: say why (the connection already logged it) and leave.
    if (s.state === 'error') void executor.stop().then(() => finish(exitCodeFor(s.error?.code)));
  });
  // What a task does, at a glance: tool calls and status lines (never file contents or tool output).
  executor.on('task:event', ({ subtaskId, event }) => {
    if (event.type === 'tool_use') log.info(`Tool ${event.name}`, { subtask_id: subtaskId, file: (event.input as { file_path?: unknown })?.file_path });
    else if (event.type === 'status') log.info(event.text, { subtask_id: subtaskId });
  });

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      log.info(`${signal}: stopping. No new tasks; running tasks get ${config.graceMs / 1000} s to finish (send ${signal} again to cancel them now).`);
      void executor.stop({ drain: true, graceMs: config.graceMs }).then(() => finish(EXIT.ok));
    } else {
      log.warn(`${signal} again: cancelling running tasks now.`);
      void executor.stop({ drain: false }).then(() => finish(EXIT.ok));
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  log.info(`Starting wegent-executor ${pkg.version}`, { mode, backend: config.executor.backendUrl, workspace, max_slots: config.executor.maxSlots, permission_mode: config.executor.permissionMode });
  const credentials = findClaudeCredentials(process.env);
  if (!credentials.found && !credentials.unknown) log.warn(`Claude Code has no Anthropic credentials here (no ANTHROPIC_API_KEY, no login in ${process.env.CLAUDE_CONFIG_DIR || '~/.claude'}): tasks will fail until it has. ${CREDENTIALS_HINT}`);
  try {
    await executor.start();
  } catch (err) {
    if (err instanceof ExecutorStartError) return exitCodeFor(err.code); // already logged with its fix
    throw err;
  }
  if (config.connectTimeoutMs > 0 && executor.snapshot().state === 'connecting') {
    const timer = setTimeout(() => {
      if (executor.snapshot().state !== 'connecting') return;
      log.error(`Gave up after ${config.connectTimeoutMs / 1000} s. ${executor.snapshot().error?.message ?? ''}`.replace(/ Retrying…$/, '').trim());
      void executor.stop().then(() => finish(EXIT.unreachable));
    }, config.connectTimeoutMs);
    executor.once('state', function clear(s: ExecutorSnapshot) {
      if (s.state === 'online' || s.state === 'busy') clearTimeout(timer);
      else executor.once('state', clear);
    });
  }
  return finished;
}

/** --token is readable by every user through ps; WEGENT_TOKEN by the user's processes where it cannot be blanked. */
function warnAboutToken(source: TokenSource, hidden: HideOutcome, log: Logger): void {
  const instead = 'Put it in an owner-only file and pass --token-file FILE instead (chmod 600 FILE).';
  if (source === 'argv') {
    const seen = hidden === 'hidden' ? 'it was blanked from the process list once read, but ps showed it to every user of this machine while the executor started' : 'ps shows it to every user of this machine';
    log.warn(`The API token was passed with --token: ${seen}. ${instead}`);
  } else if (source === 'env' && hidden === 'unsupported') {
    log.warn(`WEGENT_TOKEN stays readable in this process's environment by your other processes on this system (${process.platform}). ${instead}`);
  }
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`wegent-executor: unexpected error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(EXIT.failure);
  },
);
