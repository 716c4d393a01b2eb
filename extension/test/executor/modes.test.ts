// Cloud mode (per-user, per-task workspaces; a follow-up on another pool member continues from the
// history), and the ends that must not be retried: device:replaced, token expiry and revocation.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createUser, issueToken } from '../../../test/support/backend';
import { TestChat, api } from '../../../test/support/clients';
import { waitFor } from '../../../test/support/wait';
import { reply, text } from '../../../test/support/modelServer';
import { startStack, type Stack } from './stack';
import { tempDir } from './tmp';

describe('executor: cloud mode and final errors', function () {
  this.timeout(120_000);
  let stack: Stack;

  before(async function () {
    this.timeout(120_000);
    stack = await startStack();
  });
  after(async () => stack?.stop());

  it('cloud mode: runs each task in <root>/<user_id>/<task_id>; a follow-up on another pool member continues from the history', async () => {
    const operator = await createUser(stack.backend, { role: 'operator' });
    const root = tempDir('cloud-root');
    const a = await stack.executor({ token: operator.token, mode: 'cloud', workspace: root, deviceId: 'cloud-a' });
    stack.model.script('CLOUD-1', reply(text('Cloud answer one.')));
    const sent = await stack.chat.sendOk({ device_id: 'cloud', message: 'CLOUD-1 hello' });
    const done = await stack.chat.waitForDone(sent.subtask_id, 60_000);
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    const cwd = path.join(root, stack.user.userId, sent.task_id);
    assert.ok(existsSync(cwd), 'the per-user, per-task folder exists');
    assert.ok(JSON.stringify(stack.model.requestsFor('CLOUD-1')[0].body).includes(cwd), 'Claude Code ran in that folder');
    await a.stop();

    // Another pool member without that Claude session picks up the follow-up.
    const b = await stack.executor({ token: operator.token, mode: 'cloud', workspace: root, deviceId: 'cloud-b', env: stack.model.claudeEnv(tempDir('other-claude-config')) });
    stack.model.script('CLOUD-2', reply(text('Continuing.')));
    const follow = await stack.chat.sendOk({ device_id: 'cloud', message: 'CLOUD-2 and then?', task_id: sent.task_id });
    const followDone = await stack.chat.waitForDone(follow.subtask_id, 60_000);
    assert.equal(followDone.status, 'completed', JSON.stringify(followDone.error));
    const seen = stack.model.requestsFor('CLOUD-2')[0].userTexts.join('\n');
    assert.ok(seen.includes('CLOUD-1 hello') && seen.includes('Cloud answer one.'), 'the earlier turn reached the model as history');
    assert.ok(stack.chat.chunks(follow.subtask_id).flatMap((c) => c.events).some((e) => e.type === 'status' && /continuing from the conversation history/.test(e.text)));
    await b.stop();
  });

  it('cloud mode needs an operator token: a plain user gets a clear FORBIDDEN error and no retry loop', async () => {
    const executor = stack.executor({ mode: 'cloud', workspace: tempDir('cloud-root'), deviceId: 'cloud-forbidden' });
    await assert.rejects(executor, (err: Error & { code?: string }) => err.code === 'FORBIDDEN' && /operator/.test(err.message));
  });

  it('device:replaced: the older executor stops with a clear error and does not reconnect', async () => {
    const first = await stack.executor({ deviceId: 'same-id-device' });
    const second = await stack.executor({ deviceId: 'same-id-device' });
    await waitFor(() => first.snapshot().state === 'error', { timeout: 30_000, message: 'first executor told it was replaced' });
    assert.equal(first.snapshot().error?.code, 'DEVICE_REPLACED');
    assert.match(first.snapshot().error!.message, /Another executor for the same folder .* connected as this device \(same-id-device\).*run this one on another folder \(--workspace DIR\)/);
    // it stays out: the newer one remains online
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(first.snapshot().state, 'error');
    assert.equal(second.snapshot().state, 'online');
    const list = await api(stack.backend.url, 'GET', '/api/devices', { token: stack.user.token });
    assert.equal(list.body.devices.find((d: { device_id: string }) => d.device_id === 'same-id-device')?.status, 'online');
  });

  it('a token that expires while connected: state "error" with how to get a new token, no reconnect, running work stopped', async () => {
    const { token } = await issueToken(stack.backend, stack.user.userId, { ttlS: 8 });
    const executor = await stack.executor({ token, deviceId: 'expiring-device' });
    assert.equal(executor.snapshot().state, 'online');
    stack.model.script('EXPIRE-RUN', reply(text('working until the token dies'), { hang: true }));
    const sent = await stack.chat.sendOk({ device_id: 'expiring-device', message: 'EXPIRE-RUN go' });
    await waitFor(() => stack.model.requestsFor('EXPIRE-RUN').length > 0, { timeout: 30_000, message: 'task reached the model' });
    await waitFor(() => executor.snapshot().state === 'error', { timeout: 30_000, message: 'expiry noticed' });
    assert.equal(executor.snapshot().error?.code, 'AUTH_EXPIRED');
    assert.match(executor.snapshot().error!.message, /Your API token has expired\. Generate a new one in Wegent → Settings → API Token/);
    await stack.model.waitFor(() => stack.model.requestsFor('EXPIRE-RUN').some((r) => r.clientAborted));
    await waitFor(() => executor.snapshot().slotsUsed === 0, { timeout: 30_000, message: 'the task was stopped' });
    assert.ok(sent.subtask_id);
  });

  it('a revoked token: state "error" AUTH_REVOKED at once', async () => {
    const issued = await issueToken(stack.backend, stack.user.userId);
    const executor = await stack.executor({ token: issued.token, deviceId: 'revoked-device' });
    const res = await api(stack.backend.url, 'DELETE', `/api/tokens/${issued.id}`, { token: stack.user.token });
    assert.ok(res.status < 300, `revoke answered ${res.status}`);
    await waitFor(() => executor.snapshot().state === 'error', { timeout: 30_000, message: 'revocation noticed' });
    assert.equal(executor.snapshot().error?.code, 'AUTH_REVOKED');
  });

  it('never runs another user’s task: a second user cannot reach this device', async () => {
    const executor = await stack.executor({ deviceId: 'private-device' });
    const mallory = await createUser(stack.backend);
    const chat = await TestChat.connect({ url: stack.backend.url, token: mallory.token });
    try {
      const ack = await chat.send({ device_id: 'private-device', message: 'let me in' });
      assert.equal(!ack.ok && ack.error.code, 'DEVICE_NOT_FOUND');
      assert.equal(executor.snapshot().slotsUsed, 0);
    } finally {
      chat.close();
    }
  });
});
