// A follow-up sent while its conversation's turn runs, and a model chosen per message, end to end:
// the built wegent-executor (real Agent SDK and Claude Code) on the scripted model server behind the
// real backend. The follow-up waits (queued behind the turn), then runs by itself in the same Claude
// session; the model each message chose is the one the model server is asked for, and "Default"
// (no model) goes back to the device's own, also in a process that stayed warm; a prewarmed spare
// process claimed by a new conversation takes the model too.
import assert from 'node:assert/strict';
import { waitFor } from '../../../test/support/wait';
import { reply, text, type RecordedRequest } from '../../../test/support/modelServer';
import { buildCli, runCli, type CliRun } from './cliProcess';
import { startStack, type Stack } from './stack';
import { tempDir } from './tmp';

/** The agent loop's own requests (with tools), not Claude Code's side requests (titles and the like). */
const agentModels = (rs: RecordedRequest[]) => rs.filter((r) => Array.isArray(r.body?.tools) && r.body.tools.length > 0).map((r) => r.body.model as string);

describe('executor: follow-ups queue behind the running turn; a model per message (CLI, real Agent SDK)', function () {
  this.timeout(180_000);
  let stack: Stack;
  let run: CliRun;

  before(async function () {
    this.timeout(120_000);
    buildCli();
    stack = await startStack();
  });
  after(async () => {
    if (run && run.proc.exitCode === null) run.proc.kill('SIGTERM');
    await run?.exit;
    await stack?.stop();
  });

  it('queues the follow-up, runs it in the same session with the model it chose, and Default is the device\'s model again', async () => {
    run = runCli(['--backend-url', stack.backend.url, '--token', stack.user.token, '--workspace', tempDir('ws'), '--data-dir', tempDir('data'), '--name', 'Follow box', '--no-spare'], stack.model.claudeEnv(stack.claudeConfigDir));
    await waitFor(() => run.output().includes('Device "Follow box" is online'), { timeout: 60_000, message: `never online:\n${run.output()}` });
    const list = await (await fetch(`${stack.backend.url}/api/devices`, { headers: { authorization: `Bearer ${stack.user.token}` } })).json();
    const deviceId = list.devices.find((d: { name: string; status: string }) => d.name === 'Follow box' && d.status !== 'offline').device_id as string;

    let release!: () => void;
    stack.model.script('FU-ONE', reply(text('The word is kestrel.'), { gate: new Promise<void>((r) => (release = r)) }));
    stack.model.script('FU-TWO', reply(text('It was kestrel.')));
    stack.model.script('FU-THREE', reply(text('Default again.')));
    const first = await stack.chat.sendOk({ device_id: deviceId, message: 'FU-ONE remember kestrel', permission_mode: 'plan' });
    await waitFor(() => stack.model.requestsFor('FU-ONE').length > 0, { timeout: 60_000, message: 'the first turn reached the model' });

    const second = await stack.chat.sendOk({ device_id: deviceId, message: 'FU-TWO which word?', task_id: first.task_id, permission_mode: 'plan', model: 'claude-opus-4-1-fu' });
    assert.equal(second.status, 'queued');
    assert.equal(second.after_subtask_id, first.subtask_id);
    assert.equal(stack.model.requestsFor('FU-TWO').length, 0, 'the follow-up waits for the running turn');

    release();
    const done1 = await stack.chat.waitForDone(first.subtask_id, 60_000);
    assert.equal(done1.status, 'completed', JSON.stringify(done1.error));
    const done2 = await stack.chat.waitForDone(second.subtask_id, 60_000);
    assert.equal(done2.status, 'completed', JSON.stringify(done2.error));
    assert.equal(done2.session_id, done1.session_id, 'the follow-up ran in the same Claude session');
    const seen = JSON.stringify(stack.model.requestsFor('FU-TWO').at(-1)!.body.messages);
    assert.ok(seen.includes('FU-ONE remember kestrel') && seen.includes('The word is kestrel.'), 'the model saw the turn before');

    const defaultModel = agentModels(stack.model.requestsFor('FU-ONE'))[0];
    assert.ok(defaultModel && defaultModel !== 'claude-opus-4-1-fu', `the first turn ran on the device's model (${defaultModel})`);
    assert.deepEqual([...new Set(agentModels(stack.model.requestsFor('FU-TWO')))], ['claude-opus-4-1-fu'], 'the chosen model reached the model server');

    // No model: the device's own again, though the conversation's process stayed warm with the other.
    const third = await stack.chat.sendOk({ device_id: deviceId, message: 'FU-THREE and now?', task_id: first.task_id, permission_mode: 'plan' });
    assert.equal(third.status, 'running');
    const done3 = await stack.chat.waitForDone(third.subtask_id, 60_000);
    assert.equal(done3.status, 'completed', JSON.stringify(done3.error));
    assert.deepEqual([...new Set(agentModels(stack.model.requestsFor('FU-THREE')))], [defaultModel]);
    assert.equal(done3.session_id, done1.session_id);
  });

  it('a new conversation that takes the prewarmed process runs with the model it chose', async () => {
    // The executor core in-process (the same code the CLI runs) so the pool can say where the process came from.
    const executor = await stack.executor({ workspace: tempDir('ws') });
    await waitFor(() => executor.warmStats().spare === 'ready', { timeout: 60_000, message: 'a spare Claude Code process is ready' });
    stack.model.script('FU-SPARE', reply(text('From the spare.')));
    const sent = await stack.chat.sendOk({ device_id: executor.snapshot().deviceId, message: 'FU-SPARE hello', permission_mode: 'plan', model: 'claude-haiku-4-5-fu' });
    const done = await stack.chat.waitForDone(sent.subtask_id, 60_000);
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    assert.equal(executor.warmStats().started.spare, 1, 'the conversation took the spare');
    assert.deepEqual([...new Set(agentModels(stack.model.requestsFor('FU-SPARE')))], ['claude-haiku-4-5-fu']);
    await executor.stop();
  });
});
