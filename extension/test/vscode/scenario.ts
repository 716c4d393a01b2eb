// What the scripted "model" answers in the VS Code tests. The harness scripts the model server with
// these; the suites inside the extension host (another process) send prompts carrying the markers
// and assert on the replies.
export const STREAM_MARKER = 'VSCODE-STREAM';
export const STREAM_REPLY = 'Hello from the device inside VS Code: the workspace answered.';
export const CLAUDE_PATH_MARKER = 'VSCODE-CLAUDE-PATH';
export const CLAUDE_PATH_REPLY = 'Answered by the Claude Code that wegent.claudeCodePath names.';
export const SLOW_MARKER = 'VSCODE-SLOW';
export const SLOW_REPLY = 'This reply takes a while, so the slot stays in use.';
export const UI_MARKER = 'VSCODE-UI';
export const UI_REPLY = 'Hi! I ran on your own machine, in the open workspace. **Markdown** works too.\n\n```js\nconst answer = 42; // highlighted\n```';

export const TOOL_MARKER = 'VSCODE-TOOL';
export const TOOL_FILE = 'hello-from-wegent.txt';
export const TOOL_FILE_CONTENT = 'Written by Claude Code, approved in VS Code.\n';
export const TOOL_REPLY = `Done: ${TOOL_FILE} is in your workspace.`;

export const MULTIROOT_MARKER = 'VSCODE-MULTIROOT';
/** Relative on purpose: Claude Code resolves it against its cwd, the folder the user picked. */
export const MULTIROOT_FILE = 'written-in-the-picked-folder.txt';
export const MULTIROOT_CONTENT = 'Claude Code ran in the folder picked in the quick pick.\n';
export const MULTIROOT_REPLY = 'Wrote the file in the folder you picked.';

/** Several executors on one machine (issue 15): a task per device writes this file in its own folder. */
export const WHERE_FILE = 'landed-here.txt';
/** One marker per device: window A, window B, the wegent-executor on the third folder. */
export const WHERE_MARKERS = { a: 'VSCODE-WHERE-A', b: 'VSCODE-WHERE-B', c: 'VSCODE-WHERE-C' } as const;

/**
 * Which window the in-host suite runs in (WEGENT_TEST_LAYOUT): one folder (default), two, or none;
 * 'window-a' / 'window-b': two windows on two folders at once beside a wegent-executor on a third;
 * 'window-a-again': window A's folder opened again after it closed.
 */
export type WorkspaceLayout = 'folder' | 'multi-root' | 'empty' | 'window-a' | 'window-b' | 'window-a-again';

/** The env names through which the harness hands the suites its backend and accounts. */
export const ENV = {
  backendUrl: 'WEGENT_TEST_BACKEND_URL',
  token: 'WEGENT_TEST_TOKEN',
  otherToken: 'WEGENT_TEST_OTHER_TOKEN',
  /** The harness's control endpoint (extension/test/host/control.ts): stop/start the backend, short-lived tokens. */
  control: 'WEGENT_TEST_CONTROL_URL',
  layout: 'WEGENT_TEST_LAYOUT',
  /** JSON {a, b, c}: the three folders of the many-executors scenario. */
  folders: 'WEGENT_TEST_FOLDERS',
  /** JSON {node, cli}: how a suite starts a wegent-executor of its own. */
  cli: 'WEGENT_TEST_CLI',
} as const;
