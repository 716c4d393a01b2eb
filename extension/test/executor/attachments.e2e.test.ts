// Attachments end to end: the built wegent-executor CLI (real Agent SDK, Claude Code against the
// scripted model server), the real backend and Redis, a real git repository. An image reaches the
// model as an image block; a file is saved in the conversation's worktree under .wegent/attachments/
// and named in the prompt; neither counts as a change; the backend keeps nothing after the fetch.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { png, uploadOk } from '../../../test/support/attachments';
import { reply, text, toolUse } from '../../../test/support/modelServer';
import { redisClient, scanKeys } from '../../../test/support/redis';
import { AttachmentError, receiveAttachments, saveAttachment } from '../../src/executor/attachments';
import { buildCli, onlineDevice, runCli, type CliRun } from './cliProcess';
import { makeRepo, status } from './gitRepo';
import { startStack, type Stack } from './stack';
import { tempDir } from './tmp';

describe('executor: attachments reach Claude (image blocks) and the worktree (files)', function () {
  this.timeout(180_000);
  let stack: Stack;
  let run: CliRun | undefined;

  before(async function () {
    this.timeout(120_000);
    buildCli();
    stack = await startStack();
  });
  after(async () => {
    run?.proc.kill('SIGTERM');
    await run?.exit;
    await stack?.stop();
  });

  it('sends the image as an image block and saves the file inside the worktree, named in the prompt', async () => {
    const repo = makeRepo({ 'README.md': 'hello\n' });
    const name = `attach-cli-${process.pid}`;
    run = runCli(['--backend-url', stack.backend.url, '--token', stack.user.token, '--workspace', repo, '--data-dir', tempDir('data'), '--name', name, '--permission-mode', 'acceptEdits'], stack.model.claudeEnv(stack.claudeConfigDir));
    const deviceId = await onlineDevice(run, stack.backend.url, stack.user.token, name);

    const image = png(12, [10, 200, 30]);
    const imageId = await uploadOk(stack.backend.url, stack.user.token, 'screenshot.png', 'image/png', image);
    const fileId = await uploadOk(stack.backend.url, stack.user.token, '../notes.txt', 'text/plain', Buffer.from('ATTACHED-CONTENT-42\n'));
    const marker = `ATT-${process.pid}`;
    stack.model.script(marker, reply(toolUse('Read', { file_path: '.wegent/attachments/notes.txt' })), reply(text('Seen both.')));
    const sent = await stack.chat.sendOk({ device_id: deviceId, message: `${marker} what is in these?`, attachments: [imageId, fileId] });
    const done = await stack.chat.waitForDone(sent.subtask_id, 90_000);
    assert.equal(done.status, 'completed', `${JSON.stringify(done.error)}\n${run.output()}`);

    const first = stack.model.requestsFor(marker)[0];
    assert.deepEqual(first.images, [{ media_type: 'image/png', data: image.toString('base64') }], 'the model received the image block');
    assert.match(first.userTexts.at(-1)!, /Attached image \(above\): screenshot\.png/);
    assert.match(first.userTexts.at(-1)!, /\.wegent\/attachments\/notes\.txt \(text\/plain, 20 bytes\)/);
    const read = stack.model.requestsFor(marker).at(-1)!.toolResults[0];
    assert.ok(read && !read.is_error && read.text.includes('ATTACHED-CONTENT-42'), `the file is in the task's folder: ${JSON.stringify(read)}`);

    assert.equal(done.changes?.isolation, 'worktree');
    assert.deepEqual(done.changes?.files, [], 'attachments are no change to review');
    assert.equal(status(repo), '', "the user's tree is untouched");
    const store = redisClient(stack.backend.redisUrl);
    try {
      assert.deepEqual(await scanKeys(store, '*attachment*'), [], 'the backend keeps nothing once delivered');
    } finally {
      store.disconnect();
    }
  });

  it('an attachment the backend no longer has fails the task with ATTACHMENT_NOT_FOUND', async () => {
    const ref = { attachment_id: 'att_00000000_gone', name: 'gone.txt', media_type: 'text/plain', size: 1, kind: 'file' as const, fetch_key: 'k' };
    const err = await receiveAttachments({ backendUrl: stack.backend.url, token: stack.user.token, subtaskId: 'sub_00000000_x' }, [ref], tempDir('ws'), 'p').catch((e) => e);
    assert.ok(err instanceof AttachmentError, String(err));
    assert.equal(err.error.code, 'ATTACHMENT_NOT_FOUND');
    assert.match(err.error.message, /"gone\.txt" could not be fetched/);
  });

  it('saves under safe names, never outside the folder, never over another file', async () => {
    const ws = tempDir('ws');
    assert.equal(await saveAttachment(ws, '../../evil.sh', Buffer.from('x')), path.join('.wegent', 'attachments', 'evil.sh'));
    assert.equal(await saveAttachment(ws, 'evil.sh', Buffer.from('y')), path.join('.wegent', 'attachments', 'evil (2).sh'));
    assert.equal(readFileSync(path.join(ws, '.wegent', 'attachments', 'evil.sh'), 'utf8'), 'x');
    assert.equal(readFileSync(path.join(ws, '.wegent', '.gitignore'), 'utf8'), '*\n');
    const outside = tempDir('outside');
    const linked = tempDir('ws');
    mkdirSync(path.join(linked, '.wegent'));
    symlinkSync(outside, path.join(linked, '.wegent', 'attachments'));
    const err = await saveAttachment(linked, 'a.txt', Buffer.from('z')).catch((e) => e);
    assert.equal(err?.error?.code, 'PERMISSION_DENIED');
  });
});
