// The VS Code host relays HTTP calls for the chat webview with the user's token, so the webview
// (whose content includes model output) must reach only the few routes the page needs — never
// tokens, auth or anything outside /api with a path trick.
import assert from 'node:assert/strict';
import { isBridgeHttpPath } from '../src/bridge';

describe('shared: bridge HTTP path allow-list', () => {
  it('allows the routes the chat page uses', () => {
    for (const path of ['/api/devices', '/api/devices/laptop-1', '/api/devices/my.box:2/default', '/api/devices/.hidden', '/api/tasks/a..b', '/api/tasks', '/api/tasks/task_abc', '/api/me', '/api/usage', '/api/usage?from=2026-11-01&to=2026-11-30']) {
      assert.ok(isBridgeHttpPath(path), path);
    }
  });

  it('refuses token, auth and other routes, and paths that try to climb out or smuggle a query', () => {
    for (const path of [
      '/api/tokens', '/api/tokens/abc', '/api/auth/login', '/api/auth/register', '/metrics', '/healthz', '/',
      '/api/devices/..', '/api/devices/./default', '/api/devices/../default', '/api/tasks/..', '/api/devices/../tokens', '/api/devices/a/../../tokens', '/api/devices/%2e%2e', '/api/devices/a/b',
      '/api/devices/a/default/x', '/api/tasks?x=1', '/api/me/', 'http://evil.example/api/me', '//evil/api/me',
      '/api/devices/' + 'x'.repeat(129), '/API/ME', '/api/me\n',
      '/api/usage/x', '/api/usage?from=2026-11-01', '/api/usage?from=2026-11-01&to=2026-11-30&x=1', '/api/usage?to=../../tokens',
    ]) {
      assert.ok(!isBridgeHttpPath(path), path);
    }
  });
});
