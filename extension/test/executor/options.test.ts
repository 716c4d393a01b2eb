// One resolution of the executor's options for both shells (executor/options.ts): the defaults are
// the shared protocol's, slots are clamped there and nowhere else, the CLI's unset flags resolve to
// exactly what a direct caller of the core gets, and the core stays free of `vscode`.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_APPROVAL_TIMEOUT_MS, DEFAULT_DEVICE_PERMISSION_MODE, DEFAULT_KEEP_ALIVE_MS, DEFAULT_SLOTS, MAX_SLOTS } from '@wegent/shared';
import { parseCli } from '../../src/executor/cliArgs';
import { DEFAULT_BACKEND_URL, clampSlots, normalizeBackendUrl, resolveOptions } from '../../src/executor/options';

const base = { backendUrl: '', token: 't', workspace: '/w' };

describe('executor: resolved options', () => {
  it('applies the shared defaults to everything left unset', () => {
    const r = resolveOptions(base);
    assert.equal(r.backendUrl, DEFAULT_BACKEND_URL);
    assert.equal(r.mode, 'local');
    assert.equal(r.maxSlots, DEFAULT_SLOTS);
    assert.equal(r.permissionMode, DEFAULT_DEVICE_PERMISSION_MODE);
    assert.equal(r.approvalTimeoutMs, DEFAULT_APPROVAL_TIMEOUT_MS);
    assert.equal(r.keepAliveMs, DEFAULT_KEEP_ALIVE_MS);
    assert.equal(r.spareProcess, true);
    assert.equal(r.isolation, 'worktree');
    assert.equal(r.shell, 'cli');
    assert.deepEqual(resolveOptions(r), r, 'idempotent: a shell may resolve first and the Executor again');
  });

  it('clamps slots to 1…MAX_SLOTS (whole), and falls back to the default for what is not a value', () => {
    assert.deepEqual([0, -3, 2.7, 99, MAX_SLOTS].map(clampSlots), [1, 1, 2, MAX_SLOTS, MAX_SLOTS]);
    assert.equal(clampSlots(Number.NaN), DEFAULT_SLOTS);
    assert.equal(clampSlots(undefined), DEFAULT_SLOTS);
    const r = resolveOptions({ ...base, approvalTimeoutMs: 0, keepAliveMs: -1, permissionMode: 'yolo' as never, isolation: 'box' as never, deviceName: '  ', setupCommand: ' ' });
    assert.equal(r.approvalTimeoutMs, DEFAULT_APPROVAL_TIMEOUT_MS, 'a 0 timeout would deny every request at once');
    assert.equal(r.keepAliveMs, DEFAULT_KEEP_ALIVE_MS);
    assert.equal(r.permissionMode, DEFAULT_DEVICE_PERMISSION_MODE);
    assert.equal(r.isolation, 'worktree');
    assert.equal(r.deviceName, undefined);
    assert.equal(r.setupCommand, undefined);
    assert.equal(resolveOptions({ ...base, keepAliveMs: 0 }).keepAliveMs, 0, '0 = no warm process is a real choice');
  });

  it('normalizes the backend URL: spaces and trailing slashes go, empty is the default', () => {
    assert.equal(normalizeBackendUrl(' http://h:1// '), 'http://h:1');
    assert.equal(normalizeBackendUrl('   '), DEFAULT_BACKEND_URL);
    assert.equal(normalizeBackendUrl(undefined), DEFAULT_BACKEND_URL);
  });

  it('the CLI without flags runs with exactly the core\'s defaults', () => {
    const cli = parseCli(['--token', 't', '--workspace', '/w'], {});
    assert.ok(cli.kind === 'run');
    const defined = (o: object) => JSON.parse(JSON.stringify(o));
    assert.deepEqual(defined(cli.config.executor), defined(resolveOptions({ ...base, workspace: path.resolve('/w') })));
  });

  it('the executor core, the CLI and the service code import nothing of vscode', () => {
    const src = path.join(__dirname, '../../src');
    const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
    const core = [...files(path.join(src, 'executor')), ...files(path.join(src, 'service')), path.join(src, 'cli.ts')];
    const offenders = core.filter((f) => /from\s+['"](vscode|(\.\.\/)+vscode\/[^'"]*)['"]|require\(['"]vscode['"]\)/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(offenders.map((f) => path.relative(src, f)), []);
  });
});
