// `wegent-executor` argument and environment handling: defaults, env fallbacks, usage errors that say
// what to fix, and the exit-code mapping the --help text promises.
import assert from 'node:assert/strict';
import path from 'node:path';
import { EXIT, HELP, exitCodeFor, parseCli } from '../../src/executor/cliArgs';

describe('executor: CLI arguments', () => {
  it('takes the token and backend URL from the environment when no flags are given', () => {
    const r = parseCli(['--mode', 'local'], { WEGENT_TOKEN: 'tok-env', WEGENT_BACKEND_URL: 'http://10.0.0.2:9000/' });
    assert.equal(r.kind, 'run');
    if (r.kind !== 'run') return;
    assert.equal(r.config.executor.token, 'tok-env');
    assert.equal(r.config.executor.backendUrl, 'http://10.0.0.2:9000');
    assert.equal(r.config.executor.workspace, process.cwd());
    assert.equal(r.config.executor.maxSlots, 5);
    assert.equal(r.config.executor.permissionMode, 'acceptEdits', 'never bypass-everything by default');
    assert.equal(r.config.graceMs, 30_000);
    assert.equal(r.config.connectTimeoutMs, 60_000);
    assert.equal(r.config.executor.approvalTimeoutMs, 15 * 60_000, 'an unanswered approval is denied after 15 minutes');
  });

  it('lets flags win over the environment and defaults the backend to 127.0.0.1:8080', () => {
    const r = parseCli(['--token', 'tok-flag', '--workspace', 'sub', '--max-slots', '2', '--name', 'Box', '--json'], { WEGENT_TOKEN: 'tok-env' });
    assert.ok(r.kind === 'run');
    assert.equal(r.config.executor.token, 'tok-flag');
    assert.equal(r.config.executor.backendUrl, 'http://127.0.0.1:8080');
    assert.equal(r.config.executor.workspace, path.resolve('sub'));
    assert.equal(r.config.executor.maxSlots, 2);
    assert.equal(r.config.executor.deviceName, 'Box');
    assert.equal(r.config.json, true);
    const timed = parseCli(['--token', 't', '--grace', '2.5', '--connect-timeout', '0'], {});
    assert.ok(timed.kind === 'run');
    assert.equal(timed.config.graceMs, 2500);
    assert.equal(timed.config.connectTimeoutMs, 0);
    const approvals = parseCli(['--token', 't', '--approval-timeout', '90'], {});
    assert.ok(approvals.kind === 'run');
    assert.equal(approvals.config.executor.approvalTimeoutMs, 90_000);
    const warm = parseCli(['--token', 't', '--keep-alive', '2.5', '--no-spare'], {});
    assert.ok(warm.kind === 'run');
    assert.equal(warm.config.executor.keepAliveMs, 150_000);
    assert.equal(warm.config.executor.spareProcess, false);
    const defaults = parseCli(['--token', 't'], {});
    assert.ok(defaults.kind === 'run');
    assert.equal(defaults.config.executor.keepAliveMs, 10 * 60_000);
    assert.equal(defaults.config.executor.spareProcess, true);
  });

  it('accepts --backend as an alias of --backend-url (the backend prints that form)', () => {
    const r = parseCli(['--token', 't', '--backend', 'http://127.0.0.1:18099'], {});
    assert.ok(r.kind === 'run');
    assert.equal(r.config.executor.backendUrl, 'http://127.0.0.1:18099');
  });

  it('puts cloud workspaces under the data dir by default', () => {
    const r = parseCli(['--mode', 'cloud', '--token', 't', '--data-dir', '/tmp/wx'], {});
    assert.ok(r.kind === 'run');
    assert.equal(r.config.executor.mode, 'cloud');
    assert.equal(r.config.executor.workspace, path.resolve('/tmp/wx/workspaces'));
  });

  for (const [args, fragment] of [
    [[], /API token is required/],
    [['--token', 't', '--max-slots', '6'], /--max-slots/],
    [['--token', 't', '--max-slots', 'x'], /--max-slots/],
    [['--token', 't', '--mode', 'server'], /--mode/],
    [['--token', 't', '--permission-mode', 'yolo'], /--permission-mode/],
    [['--token', 't', '--backend-url', 'localhost:8080'], /--backend-url/],
    [['--token', 't', '--bogus'], /bogus/],
    [['--token', 't', '--grace', '-1'], /--grace/],
    [['--token', 't', '--approval-timeout', '0'], /--approval-timeout/],
    [['--token', 't', '--keep-alive', '-1'], /--keep-alive/],
    [['--token', 't', '--keep-alive', 'soon'], /--keep-alive/],
  ] as const) {
    it(`refuses ${JSON.stringify(args)} with a usage error`, () => {
      const r = parseCli([...args], {});
      assert.equal(r.kind, 'usage-error');
      if (r.kind === 'usage-error') assert.match(r.message, fragment);
    });
  }

  it('answers --help and --version, and maps stop reasons to the documented exit codes', () => {
    assert.equal(parseCli(['--help'], {}).kind, 'help');
    assert.equal(parseCli(['-v'], {}).kind, 'version');
    assert.match(HELP, /Exit codes/);
    assert.equal(exitCodeFor('AUTH_EXPIRED'), EXIT.auth);
    assert.equal(exitCodeFor('AUTH_INVALID'), EXIT.auth);
    assert.equal(exitCodeFor('UNAVAILABLE'), EXIT.unreachable);
    assert.equal(exitCodeFor('DEVICE_REPLACED'), EXIT.refused);
    assert.equal(exitCodeFor('DEVICE_OWNED_BY_OTHER_USER'), EXIT.refused);
  });
});
