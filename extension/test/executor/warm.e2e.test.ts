// Warm Claude Code processes (claudeProcesses.ts), end to end: real backend, executor, Agent SDK and
// Claude Code binary on the scripted model server. What a user relies on: a follow-up goes on in the
// same process (nothing started, the model still sees the conversation), a new conversation takes a
// process started ahead yet runs in its own folder, and nothing stays running when it should not.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from '../../../test/support/wait';
import { reply, text, toolUse } from '../../../test/support/modelServer';
import type { Executor } from '../../src/executor/executor';
import { startStack, type Stack } from './stack';
import { tempDir } from './tmp';

/** PIDs of the Claude Code processes this test process started (the SDK spawns them as children). */
function claudeChildren(): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, ppid, ...args]) => Number(ppid) === process.pid && /claude/i.test(args.join(' ')))
    .map(([pid]) => Number(pid));
}

describe('executor: warm Claude Code processes (real Agent SDK)', function () {
  this.timeout(120_000);
  let stack: Stack;

  before(async function () {
    this.timeout(120_000);
    stack = await startStack();
  });
  after(async () => stack?.stop());
  // Each test counts processes: the previous test's must have exited (the SDK gives them a grace period).
  beforeEach(() => waitFor(() => claudeChildren().length === 0, { timeout: 30_000, message: 'no Claude Code process left from before' }));

  const spareReady = (e: Executor) => waitFor(() => e.warmStats().spare === 'ready', { timeout: 60_000, message: 'a spare Claude Code process is ready' });

  it('a new conversation takes the spare process, runs in its own workspace, and a new spare is started', async () => {
    const workspace = tempDir('ws');
    const executor = await stack.executor({ workspace });
    await spareReady(executor);
    const file = path.join(workspace, 'from-spare.txt');
    stack.model.script('WARM-NEW', reply(toolUse('Write', { file_path: file, content: 'spare\n' })), reply(text('Written.')));
    const sent = await stack.chat.sendOk({ device_id: executor.snapshot().deviceId, message: 'WARM-NEW write it' });
    const done = await stack.chat.waitForDone(sent.subtask_id, 60_000);
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    assert.equal(readFileSync(file, 'utf8'), 'spare\n');
    // The process ran in the workspace, not in the spare's parking folder.
    const init = stack.model.requestsFor('WARM-NEW')[0];
    assert.ok(JSON.stringify(init.body).includes(`Primary working directory: ${workspace}`), 'Claude Code was told it works in the task workspace');
    assert.deepEqual(executor.warmStats().started, { spare: 1, cold: 0, resumed: 0 });
    await spareReady(executor);
    await executor.stop();
  });

  it('a follow-up goes on in the same process: nothing new starts, the model sees the earlier turn, the mode can change', async () => {
    const workspace = tempDir('ws');
    const executor = await stack.executor({ workspace, spareProcess: false });
    const deviceId = executor.snapshot().deviceId;
    stack.model.script('WARM-A', reply(text('Noted: the word is heron.')));
    const first = await stack.chat.sendOk({ device_id: deviceId, message: 'WARM-A remember heron', permission_mode: 'plan' });
    assert.equal((await stack.chat.waitForDone(first.subtask_id, 60_000)).status, 'completed');
    const before = claudeChildren();
    assert.equal(before.length, 1, `one Claude Code process stays for the conversation (saw ${before.length})`);

    const file = path.join(workspace, 'heron.txt');
    stack.model.script('WARM-B', reply(toolUse('Write', { file_path: file, content: 'heron\n' })), reply(text('It was heron.')));
    const second = await stack.chat.sendOk({ device_id: deviceId, message: 'WARM-B write the word', task_id: first.task_id, permission_mode: 'acceptEdits' });
    const done = await stack.chat.waitForDone(second.subtask_id, 60_000);
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    assert.equal(readFileSync(file, 'utf8'), 'heron\n', 'the live process took the new mode (plan → acceptEdits)');
    const seen = JSON.stringify(stack.model.requestsFor('WARM-B')[0].body.messages);
    assert.ok(seen.includes('WARM-A remember heron') && seen.includes('Noted: the word is heron.'), 'the model saw the earlier turn');
    assert.deepEqual(claudeChildren(), before, 'the same process ran the follow-up');
    assert.deepEqual(executor.warmStats().started, { spare: 0, cold: 1, resumed: 0 });
    assert.equal(stack.chat.doneFor(first.subtask_id)!.session_id, done.session_id, 'one Claude session');
    await executor.stop();
  });

  it('after the idle window the process exits, and the next message resumes the session from disk', async () => {
    const executor = await stack.executor({ keepAliveMs: 300, spareProcess: false });
    const deviceId = executor.snapshot().deviceId;
    stack.model.script('IDLE-A', reply(text('Noted: seven.')));
    const first = await stack.chat.sendOk({ device_id: deviceId, message: 'IDLE-A remember seven' });
    assert.equal((await stack.chat.waitForDone(first.subtask_id, 60_000)).status, 'completed');
    await waitFor(() => executor.warmStats().live === 0 && claudeChildren().length === 0, { timeout: 30_000, message: 'the idle process exited' });

    stack.model.script('IDLE-B', reply(text('It was seven.')));
    const second = await stack.chat.sendOk({ device_id: deviceId, message: 'IDLE-B which number?', task_id: first.task_id });
    const done = await stack.chat.waitForDone(second.subtask_id, 60_000);
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    assert.ok(JSON.stringify(stack.model.requestsFor('IDLE-B')[0].body.messages).includes('Noted: seven.'), 'resumed with the earlier turn');
    assert.deepEqual(executor.warmStats().started, { spare: 0, cold: 1, resumed: 1 });
    await executor.stop();
  });

  it('a cancelled turn ends its process; the next message of the conversation starts another', async () => {
    const executor = await stack.executor({ spareProcess: false });
    const deviceId = executor.snapshot().deviceId;
    stack.model.script('WARM-CANCEL', reply(text('Going on and on'), { hang: true }));
    const first = await stack.chat.sendOk({ device_id: deviceId, message: 'WARM-CANCEL talk' });
    await waitFor(() => stack.chat.text(first.subtask_id).length > 0, { timeout: 60_000, message: 'text streamed' });
    assert.equal((await stack.chat.cancel(first.subtask_id)).ok, true);
    assert.equal((await stack.chat.waitForDone(first.subtask_id, 60_000)).status, 'cancelled');
    await waitFor(() => executor.warmStats().live === 0 && claudeChildren().length === 0, { timeout: 30_000, message: 'the cancelled process is gone' });
    const second = await stack.chat.sendOk({ device_id: deviceId, message: 'after the cancel', task_id: first.task_id });
    assert.equal((await stack.chat.waitForDone(second.subtask_id, 60_000)).status, 'completed');
    assert.equal(executor.warmStats().started.cold + executor.warmStats().started.resumed, 2);
    await executor.stop();
  });

  it('nothing stays warm once the executor stops, and keep-alive 0 keeps nothing at all', async () => {
    const executor = await stack.executor();
    await spareReady(executor);
    const sent = await stack.chat.sendOk({ device_id: executor.snapshot().deviceId, message: 'hello' });
    assert.equal((await stack.chat.waitForDone(sent.subtask_id, 60_000)).status, 'completed');
    assert.ok(claudeChildren().length >= 1);
    await executor.stop();
    assert.deepEqual(executor.warmStats(), { ...executor.warmStats(), spare: 'none', live: 0 });
    await waitFor(() => claudeChildren().length === 0, { timeout: 30_000, message: 'no Claude Code process after stop' });

    const cold = await stack.executor({ keepAliveMs: 0 });
    const again = await stack.chat.sendOk({ device_id: cold.snapshot().deviceId, message: 'hello again' });
    assert.equal((await stack.chat.waitForDone(again.subtask_id, 60_000)).status, 'completed');
    await waitFor(() => claudeChildren().length === 0, { timeout: 30_000, message: 'keep-alive 0: the process ends with its turn' });
    assert.equal(cold.warmStats().spare, 'none');
    await cold.stop();
  });
});
