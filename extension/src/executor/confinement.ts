// Cloud pool tasks stay inside their own folder (issue 11.2). A pool executor runs every user's tasks
// as one OS user, so `<root>/<user>/<task>` alone is only a cwd: a tool could read, list or change
// another user's folder next to it. Each tool call therefore passes a PreToolUse hook — hooks run in
// every permission mode, bypassPermissions included, and for subagents too — that:
//   - refuses shell tools outright: a shell command's reach cannot be checked from its text, and
//     this machine has no OS-level confinement to run it in (no per-user accounts, no sandbox);
//   - refuses a file tool whose path (file_path, notebook_path, path, a Glob pattern) resolves,
//     symlinks followed, outside the task's folder.
// What remains allowed: file tools inside the folder, web tools, todo lists, subagents (confined
// the same way). The shell tools are also hidden from the model (disallowedTools) so it does not try.
import { realpathSync } from 'node:fs';
import type { HookCallback, Options } from '@anthropic-ai/claude-agent-sdk';
import path from 'node:path';

/** Claude Code's tools that run shell commands or manage the shells they started. */
export const SHELL_TOOLS = ['Bash', 'BashOutput', 'KillShell', 'KillBash', 'PowerShell', 'Monitor'];

/** Input fields of file tools that name a path. */
const PATH_FIELDS = ['file_path', 'notebook_path', 'path'];

/** The reason a tool call leaves `folder`, or undefined when it stays inside. */
export function escapeReason(folder: string, toolName: string, input: Record<string, unknown>): string | undefined {
  if (SHELL_TOOLS.includes(toolName)) {
    return `${toolName} is not available on the shared cloud executor: shell commands cannot be kept inside this task's folder there. Use the file tools, or run the task on your own device.`;
  }
  const root = realpathOrSelf(folder);
  const named: string[] = [];
  for (const field of PATH_FIELDS) if (typeof input[field] === 'string' && input[field]) named.push(input[field] as string);
  // A Glob or Grep pattern may itself reach out: "/other/**", "../../x/*".
  for (const field of ['pattern', 'glob']) {
    const value = input[field];
    if (typeof value !== 'string' || (toolName !== 'Glob' && field === 'pattern')) continue;
    if (path.isAbsolute(value) || value.startsWith('~') || value.split(/[\\/]/).includes('..')) named.push(value.replace(/[*?[{].*$/, '') || '/');
  }
  for (const p of named) {
    if (p.startsWith('~')) return `${toolName} may only use files in this task's folder (${folder}); "${p}" is outside it.`;
    const resolved = realpathOfNearest(path.resolve(folder, p));
    if (resolved !== root && !resolved.startsWith(root + path.sep)) return `${toolName} may only use files in this task's folder (${folder}); "${p}" is outside it.`;
  }
  return undefined;
}

/**
 * The SDK options of a confined process: shell tools hidden, and a PreToolUse hook that checks each
 * call against the folder of the turn running now (`folder()`); with no turn bound, nothing runs.
 */
export function confinedOptions(folder: () => string | undefined): Pick<Options, 'disallowedTools' | 'hooks'> {
  const hook: HookCallback = async (input) => {
    const i = input as { tool_name?: string; tool_input?: unknown };
    const at = folder();
    const reason = at
      ? escapeReason(at, String(i.tool_name ?? ''), (i.tool_input ?? {}) as Record<string, unknown>)
      : 'No task is running in this process, so no tool may run.';
    if (!reason) return { continue: true };
    return { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: reason } };
  };
  return { disallowedTools: [...SHELL_TOOLS], hooks: { PreToolUse: [{ hooks: [hook], onFailure: 'block' }] } };
}

function realpathOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** The real path of `p`, or of its nearest existing ancestor with the rest appended (a file to be created). */
function realpathOfNearest(p: string): string {
  const rest: string[] = [];
  let at = p;
  for (;;) {
    try {
      return path.join(realpathSync(at), ...rest.reverse());
    } catch {
      const parent = path.dirname(at);
      if (parent === at) return p;
      rest.push(path.basename(at));
      at = parent;
    }
  }
}
