// The change card in the browser: the real executor runs each conversation in its own git worktree
// (real Claude Code through the Agent SDK against the scripted model, a git repository made here),
// and the page shows what changed, the diff fetched live from the device, Apply into the working
// tree and Discard; what became of each card reaches the user's other chat at once and is still
// shown when the conversation is reopened; deleting a conversation from the list removes its worktree
// and branch on the device. A protocol-level device shows the note of a diff cut at 1 MB.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Executor } from '../../../extension/src/executor/executor';
import { createUser } from '../../../test/support/backend';
import { TestDevice } from '../../../test/support/clients';
import { REPO_ROOT } from '../../../test/support/backend';
import { reply, startModelServer, text, toolUse, type ModelServer } from '../../../test/support/modelServer';
import { SCREENSHOTS, lastStatus, waitFor, openChat, openPicker, pickerRow, screenshot, sendMessage, signIn, startStack, type ChatPage, type Stack } from './harness';

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@x', ...args], { cwd, encoding: 'utf8' });

/** The screenshots docs/chat-ui.md shows, copied next to it when WEGENT_DOC_IMAGES=1 (a normal run leaves docs/ alone). */
function docImage(name: string): void {
  if (process.env.WEGENT_DOC_IMAGES !== '1') return;
  const dir = join(REPO_ROOT, 'docs', 'images', 'chat');
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(SCREENSHOTS, `${name}.png`), join(dir, `${name}.png`));
}

describe('chat page in Chromium: change card, diff, apply and discard', function () {
  this.timeout(300_000);
  let stack: Stack;
  let model: ModelServer;
  let executor: Executor | undefined;
  const pages: ChatPage[] = [];
  const dirs: string[] = [];
  const temp = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), `wegent-ui-${prefix}-`));
    dirs.push(dir);
    return dir;
  };

  before(async () => {
    stack = await startStack();
    model = await startModelServer();
  });
  after(async () => {
    await executor?.stop().catch(() => {});
    for (const p of pages) await p.close();
    await model?.close();
    await stack?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('shows the changed files under the reply, the diff per file, applies one conversation and discards another', async () => {
    const user = await createUser(stack.backend);
    const repo = temp('repo');
    git(repo, 'init', '-q', '-b', 'main');
    writeFileSync(join(repo, 'notes.txt'), 'first line\nsecond line\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'start');
    model.script('UI-CHANGE-A', reply(text('Editing the notes.'), toolUse('Write', { file_path: 'notes.txt', content: 'first line\nsecond line, improved\n' })), reply(text('Improved **notes.txt**.')));
    model.script('UI-CHANGE-B', reply(toolUse('Write', { file_path: 'todo.md', content: '- try it\n' })), reply(text('Added a todo.')));
    executor = new Executor({
      backendUrl: stack.backend.url, token: user.token, workspace: repo, dataDir: temp('data'), deviceId: 'change-executor',
      deviceName: 'Linux - change-executor', permissionMode: 'acceptEdits', env: model.claudeEnv(temp('claude-config')),
      logger: { debug() {}, info() {}, warn() {}, error() {} }, reconnectDelayMs: 100, reconnectDelayMaxMs: 1000,
    });
    await executor.start();
    const chat = await openChat(stack, { width: 900, height: 900 });
    pages.push(chat);
    const p = chat.page;
    await signIn(p, user);
    await openPicker(p);
    await pickerRow(p, 'change-executor').locator('.picker-choice').click();

    // The chat's default mode asks before edits: the edit is approved in the page, and lands in the worktree.
    await sendMessage(p, 'Improve the notes (UI-CHANGE-A)');
    await p.getByRole('button', { name: 'Allow once' }).click();
    await lastStatus(p).filter({ hasText: 'Completed' }).waitFor({ timeout: 120_000 });
    const card = p.locator('.turn').last().locator('.change-card');
    await card.locator('.change-title').filter({ hasText: '1 changed file' }).waitFor();
    const row = card.locator('.change-file');
    assert.equal(await row.locator('.change-path').innerText(), 'notes.txt');
    assert.equal(await row.locator('.change-add').innerText(), '+1');
    assert.equal(await row.locator('.change-del').innerText(), '−1');
    assert.match(await card.locator('.change-branch').innerText(), /^wegent\//);
    assert.equal(git(repo, 'status', '--porcelain'), '', 'the working tree is untouched until Apply');

    await card.getByRole('button', { name: 'View diff' }).click();
    const section = card.locator('.diff-file').filter({ hasText: 'notes.txt' });
    await section.locator('.diff-add').filter({ hasText: 'second line, improved' }).waitFor();
    await section.locator('.diff-del').filter({ hasText: 'second line' }).waitFor();
    assert.equal(await section.getAttribute('open'), '');
    await screenshot(p, 'change-card-diff');
    docImage('change-card-diff');
    await section.locator('summary').click();
    assert.equal(await section.getAttribute('open'), null, 'each file folds');

    await card.getByRole('button', { name: 'Apply' }).click();
    await card.locator('.change-outcome').filter({ hasText: 'Applied to the workspace as uncommitted changes (1 files; nothing committed)' }).waitFor();
    assert.equal(readFileSync(join(repo, 'notes.txt'), 'utf8'), 'first line\nsecond line, improved\n');
    assert.equal(git(repo, 'status', '--porcelain').trim(), 'M notes.txt');
    assert.equal(await card.getByRole('button', { name: 'Apply' }).count(), 0, 'no actions after applying');

    // A new conversation, discarded: its file never reaches the working tree.
    await p.getByRole('button', { name: 'New conversation' }).click();
    await sendMessage(p, 'Add a todo (UI-CHANGE-B)');
    await p.getByRole('button', { name: 'Allow once' }).click();
    await lastStatus(p).filter({ hasText: 'Completed' }).waitFor({ timeout: 120_000 });
    const second = p.locator('.turn').last().locator('.change-card');
    await second.locator('.change-file.change-added .change-path').filter({ hasText: 'todo.md' }).waitFor();
    await screenshot(p, 'change-card');
    docImage('change-card');
    // Another chat of the same user has this conversation open while it is discarded here.
    const other = await openChat(stack, { width: 900, height: 900 });
    pages.push(other);
    await signIn(other.page, user);
    const openFromHistory = async (title: string) => {
      await other.page.getByRole('button', { name: 'Conversation history' }).click();
      await other.page.locator('.history-item').filter({ hasText: title }).click();
    };
    await openFromHistory('Add a todo');
    const otherCard = other.page.locator('.turn').last().locator('.change-card');
    await otherCard.getByRole('button', { name: 'Discard' }).waitFor();
    await second.getByRole('button', { name: 'Discard' }).click();
    await second.getByRole('button', { name: 'Discard for good' }).click();
    await second.locator('.change-outcome').filter({ hasText: 'Discarded' }).waitFor();
    assert.equal(git(repo, 'status', '--porcelain').trim(), 'M notes.txt', 'todo.md never reached the working tree');
    assert.equal(git(repo, 'branch', '--list', 'wegent/*').trim(), '', 'both conversation branches are gone');
    await otherCard.locator('.change-outcome').filter({ hasText: 'Discarded' }).waitFor();
    assert.equal(await otherCard.getByRole('button', { name: 'Discard' }).count(), 0, 'the other chat hears of it at once');

    // Reopened later, each card says what became of it instead of offering Apply again.
    await openFromHistory('Improve the notes');
    const reopened = other.page.locator('.turn').last().locator('.change-card');
    await reopened.locator('.change-outcome').filter({ hasText: 'Applied to the workspace as uncommitted changes (1 files' }).waitFor();
    assert.equal(await reopened.getByRole('button', { name: 'Apply' }).count(), 0);
    await p.reload();
    await p.locator('.turn').last().locator('.change-card .change-outcome').filter({ hasText: 'Discarded' }).waitFor();
    assert.equal(await p.getByRole('button', { name: 'Discard' }).count(), 0);
    // A conversation with changes nobody applied, deleted from the list: its worktree and branch go too.
    model.script('UI-CHANGE-C', reply(toolUse('Write', { file_path: 'plan.md', content: '1. draft\n' })), reply(text('Drafted a plan.')));
    await p.getByRole('button', { name: 'New conversation' }).click();
    await sendMessage(p, 'Draft a plan (UI-CHANGE-C)');
    await p.getByRole('button', { name: 'Allow once' }).click();
    await lastStatus(p).filter({ hasText: 'Completed' }).waitFor({ timeout: 120_000 });
    await p.locator('.turn').last().locator('.change-card .change-path').filter({ hasText: 'plan.md' }).waitFor();
    assert.equal(git(repo, 'branch', '--list', 'wegent/*').trim().split('\n').length, 1, 'its branch exists');
    await p.getByRole('button', { name: 'Conversation history' }).click();
    await p.getByRole('button', { name: 'Delete conversation "Draft a plan (UI-CHANGE-C)"' }).click();
    const confirm = p.getByRole('alertdialog', { name: 'Delete conversation "Draft a plan (UI-CHANGE-C)"' });
    await confirm.filter({ hasText: 'changes not applied are lost' }).waitFor();
    await screenshot(p, 'history-delete');
    docImage('history-delete');
    await confirm.getByRole('button', { name: 'Delete conversation' }).click();
    await p.locator('.history-item').filter({ hasText: 'Draft a plan' }).waitFor({ state: 'detached' });
    await p.locator('.history-item').filter({ hasText: 'Improve the notes' }).waitFor();
    await waitFor(() => git(repo, 'branch', '--list', 'wegent/*').trim() === '' && git(repo, 'worktree', 'list').trim().split('\n').length === 1, { message: 'the deleted conversation\'s worktree or branch stayed' });
    assert.equal(git(repo, 'status', '--porcelain').trim(), 'M notes.txt', 'plan.md never reached the working tree');
    await p.getByRole('button', { name: 'Conversation history' }).click(); // back to the chat: a new, empty conversation
    assert.equal(await p.locator('.turn').count(), 0);
    for (const page of [chat, other]) {
      assert.deepEqual(page.errors, []);
      assert.deepEqual(page.cspViolations, []);
    }
  });

  it('says when a diff was cut at 1 MB, and shows a refusal in words', async () => {
    const user = await createUser(stack.backend);
    const device = await TestDevice.connect({ url: stack.backend.url, token: user.token, deviceId: 'cut-device', name: 'Linux - cut' });
    device.socket.on('task:diff', (_p: unknown, ack: (a: unknown) => void) => ack({ ok: true, diff: 'diff --git a/big.log b/big.log\n@@ -0,0 +1,2 @@\n+line 1\n+line 2\n', truncated: true }));
    device.socket.on('task:apply', (_p: unknown, ack: (a: unknown) => void) => ack({ ok: false, error: { code: 'CONFLICT', message: 'The changes could not be applied: big.log changed in your working tree.' } }));
    const chat = await openChat(stack);
    pages.push(chat);
    const p = chat.page;
    await signIn(p, user);
    await openPicker(p);
    await pickerRow(p, 'cut-device').locator('.picker-choice').click();
    await sendMessage(p, 'make a big log');
    const exec = await device.waitForExecute();
    await device.complete(exec.subtask_id, { result: 'done', changes: { isolation: 'worktree', branch: 'wegent/cut', files: [{ path: 'big.log', status: 'added', additions: 40000, deletions: 0 }], additions: 40000, deletions: 0 } });
    const card = p.locator('.change-card');
    await card.getByRole('button', { name: 'View diff' }).click();
    await card.locator('.change-truncated').filter({ hasText: 'over 1 MB' }).waitFor();
    await card.getByRole('button', { name: 'Apply' }).click();
    await card.locator('.change-outcome.error').filter({ hasText: 'big.log changed in your working tree' }).waitFor();
    assert.equal(await card.getByRole('button', { name: 'Apply' }).count(), 1, 'after a conflict the actions stay');
    device.close();
  });
});
