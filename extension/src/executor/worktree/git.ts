// Runs the git CLI as a child process (argument arrays, never a shell string), with a stable English
// locale so its messages can be read, no terminal prompts, and an optional cap on what stdout may
// grow to (a diff is cut, not buffered forever).
import { spawn } from 'node:child_process';

export interface GitRun {
  cwd: string;
  /** Extra environment (e.g. GIT_INDEX_FILE for a scratch index). */
  env?: Record<string, string>;
  /** Written to stdin (a patch for `git apply`). */
  input?: string | Buffer;
  /** Stop reading stdout after this many bytes and end the process; `truncated` says so. */
  maxBytes?: number;
}

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
  truncated: boolean;
}

/** Variables a git child never needs: the device's own credentials stay out of its environment. */
const WITHHELD = /^(WEGENT_TOKEN|WEGENT_API_TOKEN|ANTHROPIC_API_KEY|ANTHROPIC_AUTH_TOKEN|CLAUDE_CODE_OAUTH_TOKEN)$/;

export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!WITHHELD.test(k)) env[k] = v;
  return { ...env, LC_ALL: 'C', LANG: 'C', GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', ...extra };
}

export function git(args: string[], run: GitRun): Promise<GitResult> {
  return new Promise((resolve) => {
    const child = spawn('git', ['-c', 'core.quotepath=off', ...args], { cwd: run.cwd, env: childEnv(run.env), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let truncated = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (truncated) return;
      if (run.maxBytes !== undefined && outBytes + chunk.length > run.maxBytes) {
        out.push(chunk.subarray(0, run.maxBytes - outBytes));
        outBytes = run.maxBytes;
        truncated = true;
        child.kill();
        return;
      }
      out.push(chunk);
      outBytes += chunk.length;
    });
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.stdin.on('error', () => {}); // git may exit before reading all of stdin
    child.on('error', (e) => resolve({ code: 127, stdout: '', stderr: `git could not be started: ${e.message}`, truncated: false }));
    child.on('close', (code) => resolve({ code: truncated ? 0 : code ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), truncated }));
    child.stdin.end(run.input ?? '');
  });
}

/** Runs git and throws its stderr when it fails (for steps that must succeed). */
export async function gitOk(args: string[], run: GitRun): Promise<string> {
  const r = await git(args, run);
  if (r.code !== 0) throw new Error(`git ${args[0]} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
  return r.stdout;
}
