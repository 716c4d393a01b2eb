// The one place that knows which shell the executor speaks for: a message that tells the user what to
// change names a VS Code setting or command in VS Code, and a flag or environment variable in the
// headless `wegent-executor`. The executor core picks the words through ExecutorOptions.shell.
export type Shell = 'cli' | 'vscode';

export interface ShellWords {
  /** How to put a new API token in. */
  setToken: string;
  /** Where the backend URL is set. */
  backendUrl: string;
  /** Where the device's permission ceiling is set. */
  permissionMode: string;
  /** Where the Claude Code executable is named. */
  claudePath: string;
  /** How the folder tasks run in is chosen. */
  workspace: string;
  /** "another executor on the same folder": who that may be, as this shell's user sees it. */
  sameFolderPeer: string;
  /** What to do when another executor took this folder's device over. */
  replacedFix: string;
}

const WORDS: Record<Shell, ShellWords> = {
  cli: {
    setToken: 'pass it with --token TOKEN or WEGENT_TOKEN',
    backendUrl: '--backend-url / WEGENT_BACKEND_URL',
    permissionMode: 'the --permission-mode option (e.g. --permission-mode acceptEdits)',
    claudePath: 'pass --claude-path to the claude executable',
    workspace: 'start the executor with --workspace DIR',
    sameFolderPeer: 'a VS Code window on this folder, or another wegent-executor with this --workspace',
    replacedFix: 'Each folder is a device of its own: stop the other executor, or run this one on another folder (--workspace DIR).',
  },
  vscode: {
    setToken: 'run "Wegent: Set API Token"',
    backendUrl: 'the "wegent.backendUrl" setting',
    permissionMode: 'the "wegent.permissionMode" setting (e.g. acceptEdits)',
    claudePath: 'set the "wegent.claudeCodePath" setting to the claude executable',
    workspace: 'open the folder in VS Code and connect it again',
    sameFolderPeer: 'another VS Code window on this folder, or a wegent-executor run in it',
    replacedFix: 'Each folder is a device of its own: use "Take Over" to serve it from this window again, or close the other one.',
  },
};

export function shellWords(shell: Shell = 'cli'): ShellWords {
  return WORDS[shell];
}
