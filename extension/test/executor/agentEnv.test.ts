// What Claude Code's environment is made of (agentEnv.ts), what a token file may look like
// (tokenFile.ts) and how the CLI picks the token: the pieces the end-to-end secrets test relies on.
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { agentEnvironment } from '../../src/executor/agentEnv';
import { EXIT, parseCli } from '../../src/executor/cliArgs';
import { readTokenFile, tokenIn } from '../../src/executor/tokenFile';
import { removeTempDirs, tempDir } from './tmp';

const TOKEN = 'wg_live_0123456789abcdef';

describe('executor: the agent\'s environment is an allow-list', () => {
  const base = {
    PATH: '/usr/bin', HOME: '/home/me', LANG: 'C.UTF-8', LC_ALL: 'C', http_proxy: 'http://proxy:3128',
    ANTHROPIC_API_KEY: 'sk-ant', CLAUDE_CONFIG_DIR: '/c', AWS_REGION: 'eu-west-1',
    WEGENT_TOKEN: TOKEN, WEGENT_BACKEND_URL: 'http://b', wegent_token: TOKEN,
    GITHUB_TOKEN: 'ghp_x', DATABASE_URL: 'postgres://u:p@h/db', NODE_OPTIONS: '--inspect', VSCODE_IPC_HOOK: '/s',
  };

  it('passes what a shell and Claude Code need and nothing else; WEGENT_* never', () => {
    assert.deepEqual(agentEnvironment({ base }), {
      PATH: '/usr/bin', HOME: '/home/me', LANG: 'C.UTF-8', LC_ALL: 'C', http_proxy: 'http://proxy:3128',
      ANTHROPIC_API_KEY: 'sk-ant', CLAUDE_CONFIG_DIR: '/c', AWS_REGION: 'eu-west-1',
    });
  });

  it('--pass-env names go through, the shell\'s extra variables are set over, and neither can carry WEGENT_* or the token', () => {
    const env = agentEnvironment({
      base,
      passEnv: ['GITHUB_TOKEN', 'WEGENT_TOKEN'],
      extra: { ANTHROPIC_BASE_URL: 'http://127.0.0.1:1', WEGENT_X: '1', ANTHROPIC_AUTH_TOKEN: `Bearer ${TOKEN}` },
      secrets: [TOKEN],
    });
    assert.equal(env.GITHUB_TOKEN, 'ghp_x');
    assert.equal(env.ANTHROPIC_BASE_URL, 'http://127.0.0.1:1');
    assert.equal(env.WEGENT_TOKEN, undefined);
    assert.equal(env.WEGENT_X, undefined);
    assert.equal(env.ANTHROPIC_AUTH_TOKEN, undefined, 'a variable holding the token is dropped whatever its name');
    assert.ok(!JSON.stringify(env).includes(TOKEN));
  });
});

describe('executor: the token file', () => {
  after(removeTempDirs);
  const file = (content: string, mode = 0o600) => {
    const f = path.join(tempDir('tokfile'), 'token');
    writeFileSync(f, content);
    chmodSync(f, mode);
    return f;
  };

  it('holds the token alone or as WEGENT_TOKEN=… (env-file form, quotes and export allowed)', () => {
    assert.equal(tokenIn(`${TOKEN}\n`), TOKEN);
    assert.equal(tokenIn(`# comment\nWEGENT_BACKEND_URL=http://x\nWEGENT_TOKEN="${TOKEN}"\n`), TOKEN);
    assert.equal(tokenIn(`export WEGENT_TOKEN='${TOKEN}'`), TOKEN);
    assert.equal(readTokenFile(file(`  ${TOKEN}  \n`)), TOKEN);
  });

  it('refuses a file others can read, a missing one and an empty one, saying what to do', () => {
    assert.throws(() => readTokenFile(file(TOKEN, 0o644)), /can be read by other users \(mode 644\): run "chmod 600/);
    assert.throws(() => readTokenFile('/nonexistent/wegent-token'), /does not exist/);
    assert.throws(() => readTokenFile(file('# nothing\n')), /is empty/);
  });

  it('the CLI: --token-file or WEGENT_TOKEN_FILE; not both flags; a missing or unreadable token exits 3 as --help says', () => {
    const f = file(`WEGENT_TOKEN=${TOKEN}\n`);
    const fromFlag = parseCli(['--token-file', f], {});
    assert.ok(fromFlag.kind === 'run');
    assert.deepEqual([fromFlag.config.executor.token, fromFlag.tokenSource], [TOKEN, 'file']);
    const fromEnvFile = parseCli([], { WEGENT_TOKEN_FILE: f });
    assert.ok(fromEnvFile.kind === 'run' && fromEnvFile.config.executor.token === TOKEN);
    const fromEnv = parseCli([], { WEGENT_TOKEN: 'tok-env', WEGENT_TOKEN_FILE: f });
    assert.ok(fromEnv.kind === 'run' && fromEnv.tokenSource === 'env' && fromEnv.config.executor.token === 'tok-env');
    const argv = parseCli(['--token', 'tok-flag'], {});
    assert.ok(argv.kind === 'run' && argv.tokenSource === 'argv');
    const both = parseCli(['--token', 't', '--token-file', f], {});
    assert.ok(both.kind === 'usage-error' && both.exitCode === EXIT.usage && /not both/.test(both.message));
    for (const [args, env] of [[[], {}], [['--token', ' '], {}], [['--token-file', file(TOKEN, 0o640)], {}], [[], { WEGENT_TOKEN_FILE: '/nonexistent' }]] as const) {
      const r = parseCli([...args], env);
      assert.ok(r.kind === 'usage-error', JSON.stringify(args));
      assert.equal(r.exitCode, EXIT.auth, `${JSON.stringify(args)}: ${r.message}`);
    }
  });

  it('the CLI: --pass-env takes comma-separated names, refuses WEGENT_* and malformed names', () => {
    const r = parseCli(['--token', 't', '--pass-env', 'GITHUB_TOKEN,NPM_TOKEN', '--pass-env', 'GOPATH'], {});
    assert.ok(r.kind === 'run');
    assert.deepEqual(r.config.executor.passEnv, ['GITHUB_TOKEN', 'NPM_TOKEN', 'GOPATH']);
    for (const bad of ['WEGENT_TOKEN', 'A-B', '1X']) {
      const refused = parseCli(['--token', 't', '--pass-env', bad], {});
      assert.ok(refused.kind === 'usage-error' && /--pass-env/.test(refused.message), bad);
    }
  });
});
