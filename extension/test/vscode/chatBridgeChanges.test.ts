// The bridge's part in change review: a sidebar's chat:diff reaches the device through the real
// backend and its diff comes back; "Open Changes" from the webview reaches the host only for a
// well-formed conversation id.
import * as assert from 'node:assert/strict';
import type { HostToWebview } from '@wegent/shared';
import { ChatBridge } from '../../src/vscode/chatBridge';
import { FAST_TIMING, createUser, startBackend, type TestBackend } from '../../../test/support/backend';
import { TestChat, TestDevice } from '../../../test/support/clients';
import { startRedis, type TestRedis } from '../../../test/support/redis';
import { waitFor } from '../../../test/support/wait';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

describe('VS Code chat bridge: change review', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let backend: TestBackend;

  before(async () => {
    redis = await startRedis();
    backend = await startBackend({ redisUrl: redis.url, env: FAST_TIMING });
  });
  after(async () => {
    await backend?.stop();
    await redis?.stop();
  });

  it('relays chat:diff to the device and back, and passes Open Changes on for valid ids only', async () => {
    const user = await createUser(backend);
    const device = await TestDevice.connect({ url: backend.url, token: user.token, deviceId: 'bridge-dev' });
    device.socket.on('task:diff', (_p: unknown, ack: (a: unknown) => void) => ack({ ok: true, diff: 'diff --git a/x b/x\n+hello\n', truncated: false }));
    const chat = await TestChat.connect({ url: backend.url, token: user.token });
    const sent = await chat.sendOk({ device_id: 'bridge-dev', message: 'go' });
    await device.waitForExecute(sent.subtask_id);
    await device.complete(sent.subtask_id, { changes: { isolation: 'worktree', files: [{ path: 'x', status: 'modified', additions: 1, deletions: 0 }], additions: 1, deletions: 0 } });
    await chat.waitForDone(sent.subtask_id);

    const got: HostToWebview[] = [];
    const opened: string[] = [];
    const bridge = new ChatBridge({
      post: (m) => got.push(m), backendUrl: () => backend.url, token: async () => user.token,
      hostInfo: (signedIn) => ({ host: 'vscode', locale: 'en', backend_url: backend.url, signed_in: signedIn }),
      runCommand: () => {}, openChanges: (id) => opened.push(id), log: quiet,
    });
    try {
      await bridge.handle({ type: 'ready' });
      await waitFor(() => got.find((m) => m.type === 'connection' && m.status === 'connected'), { message: 'bridge connected' });
      await bridge.handle({ type: 'request', id: 1, event: 'chat:diff', payload: { task_id: sent.task_id } });
      const answer = await waitFor(() => got.find((m) => m.type === 'response' && m.id === 1), { message: 'chat:diff answered' });
      const ack = (answer as Extract<HostToWebview, { type: 'response' }>).ack;
      assert.ok(ack.ok && /\+hello/.test(String(ack.diff)), JSON.stringify(ack));

      await bridge.handle({ type: 'openChanges', task_id: sent.task_id });
      await bridge.handle({ type: 'openChanges', task_id: '../../etc' });
      await bridge.handle({ type: 'openChanges', task_id: 42 });
      assert.deepEqual(opened, [sent.task_id]);
    } finally {
      bridge.dispose();
      chat.close();
      device.close();
    }
  });
});
