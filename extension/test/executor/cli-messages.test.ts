// What the CLI says when something is wrong before any task runs (issue 18.11): every message names
// the problem and the fix, the exit code is the one --help documents.
import assert from 'node:assert/strict';
import net from 'node:net';
import { connectFailure } from '../../src/executor/authMessages';
import { findClaudeCredentials } from '../../src/executor/claudeCredentials';
import { EXIT, parseCli } from '../../src/executor/cliArgs';
import { buildCli, exitWithin, runCli } from './cliProcess';
import { removeTempDirs, tempDir } from './tmp';

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe('executor: CLI messages', function () {
  this.timeout(60_000);
  before(() => buildCli());
  after(removeTempDirs);

  it('a backend URL with a path is refused, naming the address to use', () => {
    const r = parseCli(['--token', 't', '--backend-url', 'http://10.0.0.5:8080/wegent'], {});
    assert.ok(r.kind === 'usage-error');
    assert.equal(r.exitCode, EXIT.usage);
    assert.match(r.message, /without a path: got "http:\/\/10\.0\.0\.5:8080\/wegent", use "http:\/\/10\.0\.0\.5:8080"/);
    assert.ok(parseCli(['--token', 't', '--backend-url', 'http://10.0.0.5:8080/'], {}).kind === 'run', 'a trailing slash is no path');
  });

  it('socket.io\'s reasons read as sentences', () => {
    assert.match(connectFailure('xhr poll error'), /nothing answered there/);
    assert.match(connectFailure('websocket error'), /WebSocket connection failed/);
    assert.match(connectFailure('Invalid namespace'), /not a Wegent backend, or the URL has a path/);
    assert.equal(connectFailure('something else'), 'something else');
  });

  it('finds Claude credentials where Claude Code does', () => {
    const empty = tempDir('claude-empty');
    assert.deepEqual(findClaudeCredentials({ CLAUDE_CONFIG_DIR: empty }, 'linux'), { found: false });
    assert.deepEqual(findClaudeCredentials({ CLAUDE_CONFIG_DIR: empty }, 'darwin'), { found: false, unknown: true }, 'the macOS keychain cannot be checked');
    assert.deepEqual(findClaudeCredentials({ CLAUDE_CONFIG_DIR: empty, ANTHROPIC_API_KEY: 'sk' }, 'linux'), { found: true, where: 'ANTHROPIC_API_KEY' });
  });

  it('no token: exit 3 as --help says, and the message names --token-file and WEGENT_TOKEN', async () => {
    const run = runCli(['--workspace', tempDir('ws')]);
    assert.equal(await exitWithin(run, 30_000), EXIT.auth);
    assert.match(run.output(), /an API token is required: pass --token-file FILE .* or set WEGENT_TOKEN/);
  });

  it('at start: warns when Claude Code has no credentials, and an unreachable backend is said in words', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const run = runCli(['--backend-url', url, '--workspace', tempDir('ws'), '--data-dir', tempDir('data'), '--connect-timeout', '1'], {
      WEGENT_TOKEN: 'wg-test-token-not-real', ANTHROPIC_API_KEY: '', ANTHROPIC_AUTH_TOKEN: '', CLAUDE_CODE_OAUTH_TOKEN: '', CLAUDE_CONFIG_DIR: tempDir('claude-empty'),
    });
    assert.equal(await exitWithin(run, 30_000), EXIT.unreachable, run.output());
    assert.match(run.output(), /Claude Code has no Anthropic credentials here .*Set ANTHROPIC_API_KEY .*\/login/);
    assert.match(run.output(), new RegExp(`Cannot reach the Wegent backend at ${url}: nothing answered there`));
    assert.doesNotMatch(run.output(), /xhr poll error/);
  });
});
