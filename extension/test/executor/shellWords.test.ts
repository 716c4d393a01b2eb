// Issue 20.3: a message that tells the user what to change names a VS Code setting or command when
// the executor runs in VS Code, and a flag or environment variable in the headless CLI — every
// message builder, from the one table in shellWords.ts.
import assert from 'node:assert/strict';
import { authError, replacedError, unreachableError } from '../../src/executor/authMessages';
import { binaryMissing } from '../../src/executor/claudeErrors';
import { resolveWorkspace } from '../../src/executor/workspace';
import type { Shell } from '../../src/executor/shellWords';

const CLI_WORDS = /--[a-z][a-z-]+|WEGENT_[A-Z_]+/;
const VSCODE_WORDS = /wegent\.[a-zA-Z]+|"Wegent: [^"]+"|VS Code/;

async function messages(shell: Shell): Promise<string[]> {
  const missingFolder = await resolveWorkspace('local', '/nonexistent/folder', 'u1', 't1', shell);
  assert.equal(missingFolder.ok, false);
  return [
    ...['AUTH_EXPIRED', 'AUTH_REVOKED', 'AUTH_MISSING', 'AUTH_INVALID'].map((code) => authError(code, undefined, shell).message),
    unreachableError('http://127.0.0.1:1', 'connection refused', shell).message,
    replacedError('dev-1', shell).message,
    binaryMissing('/nowhere/claude', shell).message,
    !missingFolder.ok ? missingFolder.error.message : '',
  ];
}

describe('executor: messages speak the words of their shell', () => {
  it('in VS Code: settings and commands, never a CLI flag or env variable', async () => {
    for (const m of await messages('vscode')) {
      assert.doesNotMatch(m, CLI_WORDS, m);
      assert.match(m, VSCODE_WORDS, `names what to do in VS Code: ${m}`);
    }
  });

  it('in the CLI: flags and env variables, never a VS Code setting', async () => {
    for (const m of await messages('cli')) {
      assert.doesNotMatch(m, /wegent\.[a-zA-Z]+Url|wegent\.claudeCodePath|"Wegent: /, m);
    }
    assert.match(authError('AUTH_EXPIRED', undefined, 'cli').message, /--token TOKEN or WEGENT_TOKEN/);
    assert.match(unreachableError('http://x', 'timed out', 'cli').message, /--backend-url \/ WEGENT_BACKEND_URL/);
  });
});
