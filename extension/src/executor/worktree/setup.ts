// The per-workspace setup command (e.g. `npm ci`), run once when a conversation's worktree is made:
// a worktree has no ignored files (node_modules, build output, .env), so a task that builds or
// tests needs them made first. The command is the device owner's own setting or flag, so it runs
// through their shell like a VS Code task; the device's credentials are kept out of its environment.
import { spawn } from 'node:child_process';
import { childEnv } from './git';

export const DEFAULT_SETUP_TIMEOUT_MS = 10 * 60_000;
/** The tail of the output shown in the chat. */
const SHOWN_CHARS = 8_000;

export interface SetupOutcome {
  ok: boolean;
  code: number | null;
  /** The last SHOWN_CHARS of stdout and stderr, interleaved as they came. */
  output: string;
  ms: number;
  timedOut: boolean;
}

export function runSetup(command: string, cwd: string, signal: AbortSignal, timeoutMs = DEFAULT_SETUP_TIMEOUT_MS): Promise<SetupOutcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    let output = '';
    let timedOut = false;
    const child = spawn(command, { cwd, shell: true, env: childEnv({ CI: '1' }), stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32' });
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-SHOWN_CHARS);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    // The whole process group: `npm ci` under a shell leaves children behind otherwise.
    const kill = () => {
      try {
        if (child.pid && process.platform !== 'win32') process.kill(-child.pid, 'SIGTERM');
        else child.kill();
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => ((timedOut = true), kill()), timeoutMs);
    signal.addEventListener('abort', kill, { once: true });
    const done = (code: number | null, extra = '') => {
      clearTimeout(timer);
      signal.removeEventListener('abort', kill);
      resolve({ ok: code === 0 && !timedOut, code, output: output + extra, ms: Date.now() - started, timedOut });
    };
    child.on('error', (e) => done(null, `\n${e.message}`));
    child.on('close', (code) => done(code));
  });
}

/** The chat's line about the setup run, with the tail of its output. */
export function describeSetup(command: string, o: SetupOutcome): string {
  const secs = (o.ms / 1000).toFixed(1);
  const head = o.ok
    ? `Setup command \`${command}\` finished in ${secs} s.`
    : o.timedOut
      ? `Setup command \`${command}\` was stopped after ${secs} s (time limit); the task goes on without it.`
      : `Setup command \`${command}\` failed (exit ${o.code ?? 'error'}) after ${secs} s; the task goes on.`;
  const tail = o.output.trim();
  return tail ? `${head}\n\`\`\`\n${tail}\n\`\`\`` : head;
}
