// The pure parts of the VS Code shell: what the status bar says in each state, how task events
// become output-channel lines, that secrets are scrubbed from logs, and the webview page's CSP.
import * as assert from 'node:assert/strict';
import type { ExecutorSnapshot } from '../../src/executor/api';
import { chatHtml } from '../../src/vscode/chatHtml';
import { redactFields, redactText } from '../../src/vscode/redact';
import { statusView } from '../../src/vscode/statusView';
import { TaskTranscript } from '../../src/vscode/taskLog';

const snap = (over: Partial<ExecutorSnapshot>): ExecutorSnapshot => ({
  state: 'online', deviceId: 'dev-1', deviceName: 'Linux - box', backendUrl: 'http://b', slotsUsed: 0, maxSlots: 5, running: [], waitingApprovals: [], ...over,
});

describe('status bar view', () => {
  it('offers to connect when there is no device', () => {
    for (const v of [statusView(undefined), statusView(snap({ state: 'disconnected' }))]) {
      assert.equal(v.text, '$(debug-disconnect) Wegent');
      assert.equal(v.command, 'wegent.connectDevice');
      assert.equal(v.background, undefined);
    }
  });

  it('shows slot usage when online, and busy with a warning when every slot is used', () => {
    assert.equal(statusView(snap({ slotsUsed: 2 })).text, '$(vm-active) Wegent 2/5');
    assert.match(statusView(snap({ slotsUsed: 2 })).tooltip, /"Linux - box" is online — 2\/5 slots in use/);
    assert.match(statusView(snap({})).tooltip, /\nBackend: http:\/\/b$/, 'the backend URL, and no task list when idle');
    const busy = statusView(snap({ state: 'busy', slotsUsed: 5 }));
    assert.equal(busy.text, '$(vm-running) Wegent 5/5');
    assert.equal(busy.background, 'statusBarItem.warningBackground');
    assert.match(busy.tooltip, /queue/);
  });

  it('says "needs input" while a task waits for an answer, and a click answers it', () => {
    const waitingApprovals = [{ subtaskId: 's1', requestId: 'r1', toolName: 'Write', requestedAt: '' }];
    const v = statusView(snap({ slotsUsed: 1, waitingApprovals }));
    assert.equal(v.text, '$(bell-dot) Wegent 1/5 · needs input');
    assert.equal(v.command, 'wegent.showApprovals');
    assert.equal(v.background, 'statusBarItem.warningBackground');
    assert.match(v.tooltip, /a task waits for your answer \(Write\)/);
    assert.equal(statusView(snap({ state: 'offline', waitingApprovals })).text, '$(vm-outline) Wegent offline', 'offline still says offline');
  });

  it('lists the backend and the running tasks in the tooltip, each prompt one short line', () => {
    const running = Array.from({ length: 7 }, (_, i) => ({ subtaskId: `s${i}`, taskId: `t${i}`, prompt: i === 0 ? `Fix the login\nbug ${'and more '.repeat(20)}` : `task ${i}`, startedAt: '' }));
    const tip = statusView(snap({ state: 'busy', slotsUsed: 5, running })).tooltip;
    const lines = tip.split('\n');
    assert.ok(lines.includes('Backend: http://b'));
    assert.match(lines[lines.indexOf('Running:') + 1]!, /^• Fix the login bug and more .{0,40}…$/);
    assert.ok(lines.includes('• task 4') && !lines.includes('• task 5'), 'at most five tasks');
    assert.equal(lines.at(-1), '• … and 2 more');
  });

  it('says why when offline or in error', () => {
    const offline = statusView(snap({ state: 'offline', error: { code: 'UNAVAILABLE', message: 'Cannot reach it.' } }));
    assert.match(offline.tooltip, /reconnecting…/);
    assert.match(offline.tooltip, /Cannot reach it\./);
    const error = statusView(snap({ state: 'error', error: { code: 'AUTH_REVOKED', message: 'Your API token was revoked.' } }));
    assert.equal(error.text, '$(error) Wegent');
    assert.equal(error.background, 'statusBarItem.errorBackground');
    assert.match(error.tooltip, /revoked/);
    assert.equal(statusView(snap({ state: 'connecting' })).text, '$(sync~spin) Wegent');
  });
});

describe('task output lines', () => {
  it('logs streamed text a whole line at a time, per task, and the rest at the end', () => {
    const t = new TaskTranscript();
    assert.deepEqual(t.push('a', { type: 'text', text: 'Hel' }), []);
    assert.deepEqual(t.push('b', { type: 'text', text: 'other\n' }), ['other']);
    assert.deepEqual(t.push('a', { type: 'text', text: 'lo\nwor' }), ['Hello']);
    assert.deepEqual(t.flush('a'), ['wor']);
    assert.deepEqual(t.flush('a'), []);
  });

  it('writes tool calls and results as one short line each, after any pending text', () => {
    const t = new TaskTranscript();
    t.push('a', { type: 'text', text: 'Writing' });
    const lines = t.push('a', { type: 'tool_use', id: 't1', name: 'Write', input: { file_path: 'a.txt', content: 'x'.repeat(1000) } });
    assert.equal(lines.length, 2);
    assert.equal(lines[0], 'Writing');
    assert.ok(lines[1].startsWith('tool Write {"file_path":"a.txt","content":"xxx'), lines[1]);
    assert.ok(lines[1].length <= 'tool Write '.length + 300 && lines[1].endsWith('…'), 'long input is cut short');
    const result = t.push('a', { type: 'tool_result', tool_use_id: 't1', is_error: true, text: 'EACCES:\n permission denied' });
    assert.deepEqual(result, ['tool error: EACCES: permission denied']);
    assert.deepEqual(t.push('a', { type: 'thinking', text: 'hmm' }), []);
  });
});

describe('log redaction', () => {
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSIsImp0aSI6ImFiYyJ9.c2lnbmF0dXJlLXZhbHVl';
  it('scrubs JWTs and bearer credentials from messages', () => {
    assert.equal(redactText(`failed with token ${jwt} now`), 'failed with token [redacted token] now');
    assert.equal(redactText('Authorization: Bearer abc.def'), 'Authorization: Bearer [redacted]');
  });
  it('hides values under secret-looking keys but keeps ids', () => {
    assert.deepEqual(redactFields({ token: 'x', api_key: 'y', token_id: 'tok-1', note: `t=${jwt}`, n: 3 }), {
      token: '[redacted]', api_key: '[redacted]', token_id: 'tok-1', note: 't=[redacted token]', n: 3,
    });
  });
});

describe('chat webview page', () => {
  const page = chatHtml({
    cspSource: 'https://webview.test', nonce: 'abc123', lang: 'zh-cn', asset: (n) => `https://webview.test/dist/${n}`, hasScript: true, styles: ['main.css'],
  });
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(page)?.[1] ?? '';

  it('allows only the nonce-tagged bundle to run: no inline code, no eval, no network', () => {
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-abc123'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|connect-src|\*/);
    const scripts = page.match(/<script[^>]*>/g) ?? [];
    assert.deepEqual(scripts, ['<script nonce="abc123" src="https://webview.test/dist/main.js">']);
    assert.match(page, /<link rel="stylesheet" href="https:\/\/webview\.test\/dist\/main\.css">/);
    assert.match(page, /<html lang="zh-cn">/);
  });

  it('says how to build the view when the bundle is missing', () => {
    const missing = chatHtml({ cspSource: 's', nonce: 'n', lang: 'en', asset: (n) => n, hasScript: false, styles: [] });
    assert.doesNotMatch(missing, /<script/);
    assert.match(missing, /npm run build -w extension/);
  });
});
