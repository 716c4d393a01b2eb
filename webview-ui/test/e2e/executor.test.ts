// The whole product once, end to end in the browser: the chat page in Chromium, the real backend
// and Redis, the real executor core running the real Claude Code through the Agent SDK against a
// scripted model server. A message typed in the page writes a real file in the device's workspace
// and the reply (thinking, tool card, markdown) streams back into the page.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Executor } from '../../../extension/src/executor/executor';
import { createUser } from '../../../test/support/backend';
import { reply, startModelServer, text, thinking, toolUse, type ModelServer } from '../../../test/support/modelServer';
import { lastStatus, openChat, openPicker, pickerRow, screenshot, sendMessage, signIn, startStack, type ChatPage, type Stack, waitFor } from './harness';

describe('chat page in Chromium driving the real executor and Claude Agent SDK', function () {
  this.timeout(300_000);
  let stack: Stack;
  let model: ModelServer;
  let executor: Executor | undefined;
  let page: ChatPage | undefined;
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
    await page?.close();
    await model?.close();
    await stack?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('a message from the page writes a file in the workspace and streams thinking, a tool card and markdown back', async () => {
    const user = await createUser(stack.backend);
    const workspace = temp('ws');
    const target = join(workspace, 'hello.txt');
    model.script(
      'UI-WRITE-MARKER',
      reply(thinking('The user wants a greeting file.'), text('Writing the file now.'), toolUse('Write', { file_path: target, content: 'hi from the chat page\n' })),
      reply(text('Wrote **hello.txt** in your workspace.')),
    );
    executor = new Executor({
      backendUrl: stack.backend.url,
      token: user.token,
      workspace,
      dataDir: temp('data'),
      deviceId: 'real-executor',
      deviceName: 'Linux - real-executor',
      permissionMode: 'acceptEdits',
      env: model.claudeEnv(temp('claude-config')),
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      reconnectDelayMs: 100,
      reconnectDelayMaxMs: 1000,
    });
    await executor.start();

    page = await openChat(stack);
    const p = page.page;
    await signIn(p, user);
    await openPicker(p);
    const row = pickerRow(p, 'real-executor');
    await row.locator('.device-status-online').waitFor();
    await row.locator('.picker-choice').click();
    await sendMessage(p, 'Please create hello.txt (UI-WRITE-MARKER)');
    // The composer's default mode is "Ask before changes": the Write waits for an Allow in the chat.
    await p.locator('.approval-card[data-state="open"]').getByRole('button', { name: 'Allow once' }).click({ timeout: 120_000 });

    await lastStatus(p).filter({ hasText: 'Completed' }).waitFor({ timeout: 120_000 });
    assert.equal(readFileSync(target, 'utf8'), 'hi from the chat page\n', 'the file was not written in the workspace');
    await p.locator('.turn .thinking').waitFor();
    const card = p.locator('.tool-card[data-tool="Write"]');
    await card.locator('summary .tool-target').filter({ hasText: 'hello.txt' }).waitFor();
    await card.locator('summary').click();
    await card.locator('.diff-add').filter({ hasText: 'hi from the chat page' }).waitFor();
    await p.locator('.turn .markdown strong').filter({ hasText: 'hello.txt' }).waitFor();
    await waitFor(async () => (await p.locator('.picker-trigger').innerText()).includes('0/5'), { message: 'the slot was not released' });
    // No "Claude Code session started …" line: the model it reported shows, muted, with the reply.
    assert.equal(await p.getByText(/session started/i).count(), 0, 'the per-turn session line is back');
    const meta = await p.locator('.turn .reply-meta').innerText();
    // What the Agent SDK reported: the scripted server's 10 in / 20 out on each of the two model calls, and its price.
    assert.match(meta, /^\d{1,2}:\d{2}( [AP]M)? · [\d.]+ s · 60 tokens · \$[\d.]+ · \S+$/, `reply meta: ${meta}`);
    assert.match((await p.locator('.turn .reply-meta .meta-tokens').getAttribute('title'))!, /^Input 20 · Output 40\b/);
    assert.ok(await p.locator('.turn .reply-meta .meta-model').count() === 1, `no model in: ${meta}`);
    await screenshot(p, 'chat-real-executor');
    assert.deepEqual(page.errors, []);
    assert.deepEqual(page.cspViolations, []);
  });

  it('a follow-up sent while the reply runs is queued (cancellable), then runs by itself in the same session with the model chosen', async () => {
    assert.ok(executor && page, 'the first test left the executor and page running');
    const p = page.page;
    await p.getByRole('button', { name: 'New conversation' }).click();
    let release!: () => void;
    model.script('UI-FU-ONE', reply(text('The bird is a kestrel.'), { gate: new Promise<void>((r) => (release = r)) }));
    model.script('UI-FU-TWO', reply(text('It was a **kestrel**.')));
    model.script('UI-FU-THREE', reply(text('never asked')));
    await p.locator('.model-select select').selectOption('opus');
    await sendMessage(p, 'UI-FU-ONE remember the bird');
    await lastStatus(p).filter({ hasText: 'Running on' }).waitFor({ timeout: 120_000 });
    await sendMessage(p, 'UI-FU-TWO which bird?');
    await sendMessage(p, 'UI-FU-THREE never mind');
    const turns = p.locator('.turn');
    await turns.nth(1).locator('.status-line').filter({ hasText: 'Queued — runs after the current reply' }).waitFor();
    await turns.nth(2).locator('.status-line').filter({ hasText: 'Queued — runs after the current reply' }).waitFor();
    await screenshot(p, 'chat-queued-followup');
    // The third is cancelled from its bubble; Stop still belongs to the running reply.
    await turns.nth(2).getByRole('button', { name: 'Cancel' }).click();
    await turns.nth(2).locator('.status-line[data-status="cancelled"]').waitFor();
    assert.equal(await turns.nth(0).locator('.status-line[data-status="running"]').count(), 1);
    release();
    await turns.nth(1).locator('.status-line[data-status="completed"]').waitFor({ timeout: 120_000 });
    await turns.nth(1).locator('.markdown strong').filter({ hasText: 'kestrel' }).waitFor();
    assert.equal(model.requestsFor('UI-FU-THREE').length, 0, 'the cancelled follow-up never ran');
    // The same session (the model saw the turn before) and the model picked (remembered for the follow-up).
    const asked = model.requestsFor('UI-FU-TWO').filter((r) => Array.isArray(r.body?.tools) && r.body.tools.length > 0);
    assert.ok(asked.length > 0 && asked.every((r) => /opus/.test(r.body.model)), `models asked: ${asked.map((r) => r.body.model)}`);
    assert.ok(JSON.stringify(asked[0].body.messages).includes('The bird is a kestrel.'), 'the follow-up saw the turn before');
    assert.equal(await p.locator('.model-select select').inputValue(), 'opus');
    assert.deepEqual(page.errors, []);
  });
});
