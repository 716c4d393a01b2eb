// Command line and environment → executor options for `wegent-executor` (util.parseArgs). Pure, so
// every usage error is unit-tested; the process side lives in ../cli.ts.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_APPROVAL_TIMEOUT_MS, DEFAULT_DEVICE_PERMISSION_MODE, DEFAULT_KEEP_ALIVE_MS, DEFAULT_SLOTS, ExecutorMode, Isolation, MAX_SLOTS, PermissionMode } from '@wegent/shared';
import { DEFAULT_BACKEND_URL, DEFAULT_GRACE_MS, normalizeBackendUrl, resolveOptions, type ResolvedOptions } from './options';
import { TokenFileError, readTokenFile } from './tokenFile';

export const EXIT = { ok: 0, failure: 1, usage: 2, auth: 3, unreachable: 4, refused: 5 } as const;

/** `--prune-worktrees` removes conversation worktrees unused this long. */
export const DEFAULT_WORKTREE_MAX_AGE_DAYS = 14;

export const HELP = `Usage: wegent-executor --mode local --token-file FILE [options]

Turns this machine into a Wegent device: it connects to the backend, takes tasks sent from the
Wegent chat and runs them with Claude Code in the workspace folder, streaming the output back.

Options:
  --mode local|cloud       local: run your own tasks (default). cloud: join the shared cloud pool
                           (needs an operator token; one workspace per user and task under --workspace;
                           tools are kept inside it and shell commands are not available)
  --token-file FILE        File holding the API token (Wegent → Settings → API Token), alone or as
                           WEGENT_TOKEN=…; must be owner-only (chmod 600). Env: WEGENT_TOKEN_FILE
  --token TOKEN            The API token itself. Env: WEGENT_TOKEN. Prefer --token-file: a token on
                           the command line is shown by ps to every user of this machine
  --backend-url URL        Backend to connect to (default ${DEFAULT_BACKEND_URL}); alias --backend.
                           Env: WEGENT_BACKEND_URL
  --workspace DIR          Folder tasks run in (default: the current folder; cloud: the root of the
                           per-task folders, default ~/.wegent-executor/workspaces)
  --max-slots N            Tasks run at once, 1–${MAX_SLOTS} (default ${DEFAULT_SLOTS})
  --name NAME              Device name (default "<OS type> - <hostname> · <folder>")
  --permission-mode MODE   plan | default | acceptEdits | bypassPermissions (default ${DEFAULT_DEVICE_PERMISSION_MODE}):
                           the most a task may do here; a chat message may ask for less, never more.
                           acceptEdits: file edits in the workspace are accepted, anything else that
                           needs permission is asked in your chats; bypassPermissions runs every tool
                           unasked
  --keep-alive MINUTES     How long a conversation's Claude Code process stays running after a reply, so
                           the next message starts at once (default ${DEFAULT_KEEP_ALIVE_MS / 60_000}; 0 = none, every message
                           starts Claude Code anew and no spare is kept)
  --no-spare               Do not keep a Claude Code process started ahead for the next new conversation
                           (it holds ~250 MB while it waits)
  --approval-timeout SECONDS  How long a tool waiting for approval (asked in every chat of yours) waits
                           before it is denied and the task goes on (default ${DEFAULT_APPROVAL_TIMEOUT_MS / 1000})
  --claude-path PATH       Claude Code executable (default: the one bundled with the Agent SDK)
  --pass-env NAMES         Comma-separated environment variables Claude Code and its tools may see
                           besides PATH, HOME, locale, proxies, ANTHROPIC_*, CLAUDE_* … (e.g.
                           GITHUB_TOKEN). WEGENT_* never passes
  --data-dir DIR           Where device ids (one per workspace folder) and conversation worktrees are
                           kept (default ~/.wegent-executor).
                           Each folder is a device of its own; a second executor on the same folder
                           takes its device over
  --isolation worktree|none  worktree (default): in a git repository each conversation runs in its own
                           git worktree (branch wegent/<id>, under the data dir) and its changes are
                           applied or discarded from the chat; none: tasks run in the workspace itself
  --setup-command CMD      Run in every new worktree before its first task, e.g. "npm ci" (a worktree
                           has no ignored files: node_modules, build output, .env). Env: WEGENT_SETUP_COMMAND
  --list-worktrees         List this device's conversation worktrees and exit (no token needed)
  --prune-worktrees        Remove worktrees unused for --worktree-max-age days or whose folder is gone, and exit
  --worktree-max-age DAYS  Age after which --prune-worktrees removes a worktree (default ${DEFAULT_WORKTREE_MAX_AGE_DAYS})
  --grace SECONDS          On SIGINT/SIGTERM, how long running tasks may finish before they are
                           cancelled (default ${DEFAULT_GRACE_MS / 1000}; a second signal cancels at once)
  --connect-timeout SECONDS  Give up (exit 4) if the backend cannot be reached at start within this
                           time (default 60; 0 = keep trying)
  --json                   Log JSON lines instead of text
  --verbose                Log debug detail
  -h, --help               Show this help
  -v, --version            Show the version

Run it as a service (systemd user unit / launchd agent, restarted on failure, token in an owner-only
file): wegent-executor service install [run options] · service uninstall · service status

Exit codes:
  0 stopped normally   1 unexpected error   2 usage error   3 token missing, invalid, expired or
  revoked   4 backend unreachable   5 refused by the backend (device id owned by another account,
  replaced by another executor on the same folder, cloud mode without operator rights)
`;

export interface CliConfig {
  /** Resolved (options.ts): every default applied, as the Executor will run. */
  executor: ResolvedOptions;
  json: boolean;
  verbose: boolean;
  graceMs: number;
  connectTimeoutMs: number;
}

/** `--list-worktrees` / `--prune-worktrees`: a maintenance run that needs no backend. */
export interface WorktreeCommand {
  action: 'list' | 'prune';
  dataDir?: string;
  maxAgeMs: number;
  json: boolean;
}

/** Where the token came from: the CLI warns about argv and blanks argv/env copies (processSecrets.ts). */
export type TokenSource = 'argv' | 'env' | 'file';

export type CliParse =
  | { kind: 'run'; config: CliConfig; tokenSource: TokenSource }
  | { kind: 'worktrees'; command: WorktreeCommand }
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'usage-error'; message: string; exitCode: number };

/** A usage error whose exit code is not EXIT.usage (a missing or unreadable token is EXIT.auth). */
class CliError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

function resolveToken(flag: string | undefined, file: string | undefined, env: Record<string, string | undefined>): { token: string; source: TokenSource } {
  if (flag !== undefined && file !== undefined) throw new Error('pass either --token or --token-file, not both');
  const missing = 'an API token is required: pass --token-file FILE (owner-only) or set WEGENT_TOKEN (Wegent → Settings → API Token)';
  if (flag !== undefined) {
    if (!flag.trim()) throw new CliError(missing, EXIT.auth);
    return { token: flag.trim(), source: 'argv' };
  }
  const fromFile = file ?? (env.WEGENT_TOKEN?.trim() ? undefined : env.WEGENT_TOKEN_FILE?.trim() || undefined);
  if (fromFile !== undefined) {
    try {
      return { token: readTokenFile(path.resolve(fromFile)), source: 'file' };
    } catch (err) {
      throw err instanceof TokenFileError ? new CliError(err.message, EXIT.auth) : err;
    }
  }
  const token = (env.WEGENT_TOKEN ?? '').trim();
  if (!token) throw new CliError(missing, EXIT.auth);
  return { token, source: 'env' };
}

/** A flag in seconds (fallback in seconds too), returned in ms. */
function seconds(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined) return fallback * 1000;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number of seconds ≥ 0`);
  return Math.round(n * 1000);
}

/** --keep-alive: minutes ≥ 0, returned in ms; unset: the default (options.ts). */
function keepAlive(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0) throw new Error('--keep-alive must be a number of minutes ≥ 0');
  return Math.round(n * 60_000);
}

/** --approval-timeout: seconds > 0 (a request that can never be answered would deny at once). */
function approvalTimeout(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error('--approval-timeout must be a number of seconds > 0');
  return Math.round(n * 1000);
}

export function parseCli(argv: string[], env: Record<string, string | undefined>): CliParse {
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        mode: { type: 'string' },
        token: { type: 'string' },
        'token-file': { type: 'string' },
        'pass-env': { type: 'string', multiple: true },
        'backend-url': { type: 'string' },
        backend: { type: 'string' }, // alias of --backend-url
        workspace: { type: 'string' },
        'max-slots': { type: 'string' },
        name: { type: 'string' },
        'permission-mode': { type: 'string' },
        'claude-path': { type: 'string' },
        'approval-timeout': { type: 'string' },
        'keep-alive': { type: 'string' },
        'no-spare': { type: 'boolean' },
        'data-dir': { type: 'string' },
        isolation: { type: 'string' },
        'setup-command': { type: 'string' },
        'list-worktrees': { type: 'boolean' },
        'prune-worktrees': { type: 'boolean' },
        'worktree-max-age': { type: 'string' },
        grace: { type: 'string' },
        'connect-timeout': { type: 'string' },
        json: { type: 'boolean' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
    if (values.help) return { kind: 'help' };
    if (values.version) return { kind: 'version' };
    if (values['list-worktrees'] || values['prune-worktrees']) {
      const days = values['worktree-max-age'] === undefined ? DEFAULT_WORKTREE_MAX_AGE_DAYS : Number(values['worktree-max-age']);
      if (!Number.isFinite(days) || days < 0) throw new Error('--worktree-max-age must be a number of days ≥ 0');
      return {
        kind: 'worktrees',
        command: { action: values['prune-worktrees'] ? 'prune' : 'list', dataDir: values['data-dir'] ? path.resolve(values['data-dir']) : undefined, maxAgeMs: Math.round(days * 86_400_000), json: Boolean(values.json) },
      };
    }
    // Unset flags stay undefined: resolveOptions (options.ts) gives every default, for VS Code as well.
    const isolation = values.isolation === undefined ? undefined : Isolation.safeParse(values.isolation);
    if (isolation && !isolation.success) throw new Error('--isolation must be "worktree" or "none"');
    const mode = values.mode === undefined ? undefined : ExecutorMode.safeParse(values.mode);
    if (mode && !mode.success) throw new Error('--mode must be "local" or "cloud"');
    const { token, source } = resolveToken(values.token, values['token-file'], env);
    const passEnv = (values['pass-env'] ?? []).flatMap((v) => v.split(',')).map((n) => n.trim()).filter(Boolean);
    const badName = passEnv.find((n) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(n) || /^WEGENT_/i.test(n));
    if (badName) throw new Error(`--pass-env: "${badName}" cannot be passed (names are letters, digits and _; WEGENT_* never reaches Claude Code)`);
    const backendUrl = normalizeBackendUrl(values['backend-url'] ?? values.backend ?? env.WEGENT_BACKEND_URL);
    if (!/^https?:\/\/[^\s/]+/.test(backendUrl)) throw new Error(`--backend-url must be an http:// or https:// URL, got "${backendUrl}"`);
    const url = new URL(backendUrl);
    if (url.pathname.replace(/\/+$/, '') || url.search || url.hash) {
      throw new Error(`--backend-url must be the backend's address without a path: got "${backendUrl}", use "${url.origin}" (the backend serves the chat and the device connection at its root)`);
    }
    const maxSlots = values['max-slots'] === undefined ? undefined : Number(values['max-slots']);
    if (maxSlots !== undefined && (!Number.isInteger(maxSlots) || maxSlots < 1 || maxSlots > MAX_SLOTS)) throw new Error(`--max-slots must be a whole number from 1 to ${MAX_SLOTS}`);
    const permission = values['permission-mode'] === undefined ? undefined : PermissionMode.safeParse(values['permission-mode']);
    if (permission && !permission.success) throw new Error(`--permission-mode must be one of ${PermissionMode.options.join(', ')}`);
    const dataDir = values['data-dir'] ? path.resolve(values['data-dir']) : undefined;
    const defaultWorkspace = mode?.data === 'cloud' ? path.join(dataDir ?? path.join(os.homedir(), '.wegent-executor'), 'workspaces') : process.cwd();
    return {
      kind: 'run',
      tokenSource: source,
      config: {
        json: Boolean(values.json),
        verbose: Boolean(values.verbose),
        graceMs: seconds(values.grace, 'grace', DEFAULT_GRACE_MS / 1000),
        connectTimeoutMs: seconds(values['connect-timeout'], 'connect-timeout', 60),
        executor: resolveOptions({
          backendUrl,
          token,
          workspace: path.resolve(values.workspace ?? defaultWorkspace),
          mode: mode?.data,
          maxSlots,
          deviceName: values.name,
          permissionMode: permission?.data,
          approvalTimeoutMs: approvalTimeout(values['approval-timeout']),
          keepAliveMs: keepAlive(values['keep-alive']),
          spareProcess: !values['no-spare'],
          claudeCodePath: values['claude-path'] ? path.resolve(values['claude-path']) : undefined,
          passEnv: passEnv.length ? passEnv : undefined,
          dataDir,
          isolation: isolation?.data,
          setupCommand: values['setup-command'] ?? env.WEGENT_SETUP_COMMAND,
        }),
      },
    };
  } catch (err) {
    return { kind: 'usage-error', message: (err as Error).message, exitCode: err instanceof CliError ? err.exitCode : EXIT.usage };
  }
}

/** Exit code for an error code the executor stopped with. */
export function exitCodeFor(code: string | undefined): number {
  if (!code) return EXIT.failure;
  if (code.startsWith('AUTH_')) return EXIT.auth;
  if (code === 'UNAVAILABLE') return EXIT.unreachable;
  if (['DEVICE_OWNED_BY_OTHER_USER', 'DEVICE_REPLACED', 'FORBIDDEN', 'INVALID_PAYLOAD'].includes(code)) return EXIT.refused;
  return EXIT.failure;
}
