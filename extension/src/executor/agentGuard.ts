// A task's agent never outlives the executor that started it, however the executor dies (issue 18.8).
// Without this, an executor killed with SIGKILL (or OOM-killed, or its terminal closed) leaves Claude
// Code re-parented to PID 1, still running tools and writing files, with nobody to report to.
//
// Claude Code is started through a small guard process (the Agent SDK's `spawnClaudeCodeProcess`):
//   executor ──stdin/stdout/stderr──▶ guard ──(inherits them)──▶ Claude Code, in its own process group
//            └──fd 3 "lifeline" pipe──┘
// The executor never writes to the lifeline; the kernel closes it when the executor dies, whatever
// the cause. The guard then ends every process below it — Claude Code and the shells it runs in
// process groups of their own, with their children — and exits. Signals the SDK sends (SIGTERM on
// cancel) are passed on to that whole tree; SIGKILL, which the
// guard could not pass on, is sent as a byte on the lifeline instead. Linux has PR_SET_PDEATHSIG for
// this, but Node cannot set it, it only covers the direct child, and macOS has none: a guard works on
// both (Windows: the same, with `taskkill /T` for the tree). The guard is JavaScript run by the
// executor's own runtime (`node -e`), so it needs no build artefact and runs the same in the CLI, in
// VS Code (Electron as Node) and in tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** What the SDK passes to `spawnClaudeCodeProcess` (its SpawnOptions). */
export interface AgentSpawnOptions {
  command: string;
  args: string[];
  cwd?: string;
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
}

/** The guard itself: argv = [command, ...args]; fd 3 is the lifeline. Plain JS, run with `-e`. */
export const GUARD_SOURCE = `
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const [command, ...args] = process.argv.slice(1);
const win = process.platform === 'win32';
delete process.env.ELECTRON_RUN_AS_NODE;
const child = spawn(command, args, { stdio: 'inherit', detached: !win, windowsHide: true });
// Every process below this guard, parents first. Claude Code runs its shells in process groups of
// their own, so a group kill is not enough: the tree is read before anything is signalled.
function tree() {
  const parents = new Map();
  try {
    if (process.platform === 'linux') {
      for (const e of fs.readdirSync('/proc')) {
        if (!/^[0-9]+$/.test(e)) continue;
        try { const st = fs.readFileSync('/proc/' + e + '/stat', 'utf8'); parents.set(+e, +st.slice(st.lastIndexOf(')') + 2).split(' ')[1]); } catch {}
      }
    } else {
      for (const line of execFileSync('ps', ['-A', '-o', 'pid=', '-o', 'ppid='], { encoding: 'utf8' }).split('\\n')) {
        const [pid, ppid] = line.trim().split(/\\s+/).map(Number);
        if (pid) parents.set(pid, ppid);
      }
    }
  } catch {}
  const out = [];
  const walk = (pid) => { for (const [c, p] of parents) if (p === pid && !out.includes(c)) { out.push(c); walk(c); } };
  walk(process.pid);
  return out;
}
let known = [];
function signalAll(signal) {
  if (win) { try { if (child.pid) execFileSync('taskkill', ['/pid', String(child.pid), '/T', '/F'], { stdio: 'ignore' }); } catch {} return; }
  known = [...new Set([...known, ...tree()])];
  if (child.pid) try { process.kill(-child.pid, signal); } catch {}
  for (const pid of known) try { process.kill(pid, signal); } catch {}
}
let ending = false;
function end(signal) {
  signalAll(signal);
  if (ending) return;
  ending = true;
  setTimeout(() => { signalAll('SIGKILL'); process.exit(137); }, 1500).unref();
}
// A socket, not fs.createReadStream: a blocking read in the thread pool would hold up process.exit.
const lifeline = new (require('node:net').Socket)({ fd: 3, readable: true, writable: false });
lifeline.on('data', (b) => { if (b.includes(75)) { signalAll('SIGKILL'); process.exit(137); } });
lifeline.on('end', () => end('SIGTERM'));
lifeline.on('error', () => end('SIGTERM'));
for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(s, () => end(s));
child.on('error', (e) => { process.stderr.write('Claude Code could not be started: ' + e.message + '\\n'); process.exit(127); });
child.on('exit', (code, signal) => {
  signalAll('SIGKILL'); // what it left behind: background shells, their children
  if (signal) { process.removeAllListeners(signal); process.kill(process.pid, signal); }
  process.exit(code ?? 1);
});
`;

/**
 * Spawns Claude Code under the guard. The returned process is what the SDK talks to (stdin/stdout);
 * its stderr goes to `onStderr`. A missing executable fails as the SDK's own spawn would (ENOENT).
 */
export function spawnGuarded(o: AgentSpawnOptions, onStderr?: (text: string) => void): ChildProcess {
  if (path.isAbsolute(o.command) && !existsSync(o.command)) {
    throw Object.assign(new Error(`spawn ${o.command} ENOENT`), { code: 'ENOENT', syscall: `spawn ${o.command}`, path: o.command });
  }
  const guard = spawn(process.execPath, ['-e', GUARD_SOURCE, '--', o.command, ...o.args], {
    cwd: o.cwd,
    // ELECTRON_RUN_AS_NODE makes VS Code's runtime act as Node; the guard removes it for Claude Code.
    env: { ...o.env, ELECTRON_RUN_AS_NODE: '1' },
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    windowsHide: true,
  });
  const lifeline = guard.stdio[3] as NodeJS.WritableStream & { destroyed?: boolean };
  lifeline.on('error', () => {}); // the guard is gone already
  guard.stderr!.setEncoding('utf8');
  guard.stderr!.on('data', (text: string) => onStderr?.(text));
  const kill = guard.kill.bind(guard);
  guard.kill = (signal?: NodeJS.Signals | number) => {
    if ((signal === 'SIGKILL' || signal === 9) && guard.exitCode === null && !lifeline.destroyed) {
      lifeline.write('K'); // the guard kills the whole tree at once, then exits
      return true;
    }
    return kill(signal);
  };
  // The SDK aborts this signal after its own graceful close: make sure nothing is left then.
  o.signal?.addEventListener('abort', () => guard.kill('SIGKILL'), { once: true });
  return guard;
}
