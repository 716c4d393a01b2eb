// Approvals in the chat page, end to end: Chromium, the real backend and Redis, the real executor
// core running Claude Code through the Agent SDK against the scripted model server. The composer's
// mode goes out with the message; a Write/Bash in "Ask before changes" becomes a card in every open
// page of the owner; the answer given in one page decides, and the other page's card closes.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { PermissionMode, SubtaskView } from '@wegent/shared';
import { Executor } from '../../../extension/src/executor/executor';
import { api } from '../../../test/support/clients';
import { createUser, type TestUser } from '../../../test/support/backend';
import { reply, startModelServer, text, toolUse, type ModelServer } from '../../../test/support/modelServer';
import { lastStatus, openChat, openPicker, pickerRow, screenshot, sendMessage, signIn, startStack, type ChatPage, type Stack, waitFor } from './harness';

describe('approvals in the chat page (Chromium, real executor and Agent SDK)', function () {
  this.timeout(300_000);
  let stack: Stack;
  let model: ModelServer;
  let user: TestUser;
  const executors: Executor[] = [];
  const pages: ChatPage[] = [];
  const dirs: string[] = [];
  const temp = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), `wegent-ap-${prefix}-`));
    dirs.push(dir);
    return dir;
  };

  before(async () => {
    stack = await startStack();
    model = await startModelServer();
    user = await createUser(stack.backend);
  });
  after(async () => {
    for (const e of executors) await e.stop().catch(() => {});
    for (const p of pages) await p.close().catch(() => {});
    await model?.close();
    await stack?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function device(id: string, ceiling: PermissionMode = 'acceptEdits'): Promise<{ workspace: string }> {
    const workspace = temp('ws');
    const executor = new Executor({
      backendUrl: stack.backend.url, token: user.token, workspace, dataDir: temp('data'), deviceId: id, deviceName: `Linux - ${id}`,
      permissionMode: ceiling, env: model.claudeEnv(temp('claude-config')), logger: { debug() {}, info() {}, warn() {}, error() {} },
      reconnectDelayMs: 100, reconnectDelayMaxMs: 1000,
    });
    executors.push(executor);
    await executor.start();
    return { workspace };
  }

  async function page(opts: Parameters<typeof openChat>[1] = {}): Promise<Page> {
    // Notifications granted unless a test asks otherwise: then the page does not offer them.
    const chat = await openChat(stack, { permissions: ['notifications'], ...opts });
    pages.push(chat);
    await signIn(chat.page, user);
    return chat.page;
  }

  async function pick(p: Page, deviceId: string): Promise<void> {
    await openPicker(p);
    const row = pickerRow(p, deviceId);
    await row.locator('.device-status-online').waitFor();
    await row.locator('.picker-choice').click();
  }

  const openCard = (p: Page) => p.locator('.approval-card[data-state="open"]');
  const subtaskOf = async (p: Page): Promise<SubtaskView> => {
    const subtaskId = await p.locator('.turn').last().getAttribute('data-subtask-id');
    const tasks = (await api(stack.backend.url, 'GET', '/api/tasks', { token: user.token })).body.tasks as { task_id: string }[];
    for (const t of tasks) {
      const detail = (await api(stack.backend.url, 'GET', `/api/tasks/${t.task_id}`, { token: user.token })).body;
      const s = detail.subtasks.find((x: SubtaskView) => x.subtask_id === subtaskId);
      if (s) return s;
    }
    throw new Error(`no subtask ${subtaskId}`);
  };

  it('allow once in one page: the other page’s card closes, the file is written, and each says who allowed it', async () => {
    const { workspace } = await device('ap-allow');
    const file = join(workspace, 'notes.md');
    // Untrusted input: markup in the content must be shown, never run.
    const content = '# Notes\n<img src=x onerror="window.__pwned=1">\n';
    model.script('AP-ALLOW', reply(text('Writing the notes. '), toolUse('Write', { file_path: file, content })), reply(text('Wrote notes.md.')));

    const light = await page({ colorScheme: 'light', width: 760, height: 720 });
    await pick(light, 'ap-allow');
    assert.equal(await light.getByRole('combobox', { name: 'Permission mode' }).inputValue(), 'default', 'the default is "Ask before changes"');
    await sendMessage(light, 'Write my notes (AP-ALLOW)');

    const card = openCard(light);
    await card.waitFor({ timeout: 120_000 });
    await card.getByText('Claude wants to create or overwrite a file').waitFor();
    await card.locator('.tool-path').filter({ hasText: 'notes.md' }).waitFor();
    await card.locator('.diff-add').filter({ hasText: '<img src=x onerror="window.__pwned=1">' }).waitFor();
    assert.equal(await light.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined, 'markup in a tool input ran');
    assert.equal(await card.locator('img').count(), 0);
    await lastStatus(light).filter({ hasText: 'Waiting for your answer' }).waitFor();
    assert.equal(await light.title(), '● Waiting for your answer · Wegent', 'a background tab shows it too');
    assert.equal(existsSync(file), false, 'nothing is written before the answer');

    // A second page of the same user (dark theme) opens the conversation from the list, which says it waits.
    const dark = await page({ colorScheme: 'dark', width: 760, height: 720 });
    await dark.getByRole('button', { name: 'Conversation history' }).click();
    const row = dark.locator('.history-item').filter({ hasText: 'Write my notes' });
    await row.locator('.needs-input').waitFor();
    await row.click();
    await openCard(dark).waitFor();
    await screenshot(light, 'approval-card-light');
    await screenshot(dark, 'approval-card-dark');

    await openCard(light).getByRole('button', { name: 'Allow once' }).click();
    // The other page's card turns into a line saying who decided, where, when.
    const decided = dark.locator('.approval-decided[data-decision="allow"]');
    await decided.filter({ hasText: /Allowed by you in the browser, \d{1,2}:\d{2}/ }).waitFor();
    assert.equal(await openCard(dark).count(), 0);
    await lastStatus(light).filter({ hasText: 'Completed' }).waitFor({ timeout: 120_000 });
    assert.equal(readFileSync(file, 'utf8'), content);
    await light.locator('.approval-decided').filter({ hasText: 'Allowed by you in the browser' }).waitFor();
    assert.equal(await light.title(), 'Wegent');
    await screenshot(dark, 'approval-decided-dark');

    // History keeps it: a fresh page reading the conversation shows the same decision.
    const stored = await subtaskOf(light);
    assert.equal(stored.permission_mode, 'default');
    assert.deepEqual(stored.permission_decisions?.map((d) => [d.decision, d.by, d.client]), [['allow', 'chat', 'browser']]);
    await dark.reload();
    await dark.locator('.approval-decided').filter({ hasText: 'Allowed by you in the browser' }).waitFor();
  });

  it('deny with a note from the page: nothing is written and Claude’s next turn reads the note', async () => {
    const { workspace } = await device('ap-deny');
    const file = join(workspace, 'x.sh');
    model.script('AP-DENY', reply(toolUse('Bash', { command: `echo hi > ${file}`, description: 'Write x.sh' })), reply(text('Understood, not writing it.')));
    const p = await page();
    await pick(p, 'ap-deny');
    await sendMessage(p, 'Make x.sh (AP-DENY)');
    await openCard(p).waitFor({ timeout: 120_000 });
    // Away in another conversation, the header says one waits; the list leads back to it.
    await p.getByRole('button', { name: 'New conversation' }).click();
    await p.getByRole('button', { name: 'Conversation history (1 waiting for your answer)' }).click();
    await p.locator('.history-item').filter({ hasText: 'Make x.sh' }).click();
    const card = openCard(p);
    await card.locator('.tool-command').filter({ hasText: `echo hi > ${file}` }).waitFor();
    await card.getByRole('textbox', { name: 'Note for Claude' }).fill('Use the Makefile instead');
    await card.getByRole('button', { name: 'Deny' }).click();
    await lastStatus(p).filter({ hasText: 'Completed' }).waitFor({ timeout: 120_000 });
    assert.equal(existsSync(file), false);
    const results = model.requestsFor('AP-DENY').flatMap((r) => r.toolResults);
    assert.ok(results.some((r) => r.is_error && r.text.includes('Use the Makefile instead')), JSON.stringify(results));
    await p.locator('.approval-decided[data-decision="deny"]').filter({ hasText: 'Denied by you in the browser' }).waitFor();
    await p.locator('.approval-decided').filter({ hasText: 'Note to Claude: Use the Makefile instead' }).waitFor();
  });

  it('allow for this task: the second Write of the reply runs without another card', async () => {
    const { workspace } = await device('ap-task');
    const a = join(workspace, 'a.txt');
    const b = join(workspace, 'b.txt');
    model.script('AP-TASK', reply(toolUse('Write', { file_path: a, content: 'a' })), reply(toolUse('Write', { file_path: b, content: 'b' })), reply(text('Both written.')));
    const p = await page();
    await pick(p, 'ap-task');
    await sendMessage(p, 'Two files (AP-TASK)');
    await openCard(p).getByRole('button', { name: 'Allow for this task' }).click({ timeout: 120_000 });
    await lastStatus(p).filter({ hasText: 'Completed' }).waitFor({ timeout: 120_000 });
    assert.equal(readFileSync(b, 'utf8'), 'b');
    assert.equal(await p.locator('.turn').last().locator('.approval-decided').count(), 1, 'one request only');
    await p.locator('.approval-decided').filter({ hasText: 'Allowed for this task by you in the browser' }).waitFor();
  });

  it('AskUserQuestion: a question card whose choice goes back to Claude as the tool’s answer', async () => {
    await device('ap-ask');
    const questions = [
      { question: 'Which database?', header: 'DB', options: [{ label: 'Postgres', description: 'relational' }, { label: 'Redis', description: 'in memory' }], multiSelect: false },
      { question: 'Which extras?', header: 'Extras', options: [{ label: 'Docker', description: 'a Dockerfile' }, { label: 'CI', description: 'a workflow' }], multiSelect: true },
    ];
    model.script('AP-ASK', reply(toolUse('AskUserQuestion', { questions })), reply(text('Postgres with Docker and CI then.')));
    const p = await page();
    await pick(p, 'ap-ask');
    await p.getByRole('combobox', { name: 'Permission mode' }).selectOption('acceptEdits');
    await sendMessage(p, 'Set it up (AP-ASK)');
    const card = openCard(p);
    await card.getByRole('group', { name: /Which database\?/ }).waitFor({ timeout: 120_000 });
    const send = card.getByRole('button', { name: 'Send answer' });
    assert.equal(await send.isDisabled(), true, 'every question needs an answer');
    await card.getByRole('radio', { name: /Postgres/ }).check();
    await card.getByRole('checkbox', { name: /Docker/ }).check();
    await card.getByRole('checkbox', { name: /^CI/ }).check();
    await screenshot(p, 'question-card-light');
    await send.click();
    await lastStatus(p).filter({ hasText: 'Completed' }).waitFor({ timeout: 120_000 });
    const results = model.requestsFor('AP-ASK').flatMap((r) => r.toolResults);
    assert.ok(results.some((r) => r.text.includes('"Which database?"="Postgres"') && r.text.includes('"Which extras?"="Docker, CI"')), JSON.stringify(results));
    await p.locator('.approval-decided').filter({ hasText: 'Answered by you in the browser' }).locator('li').filter({ hasText: 'Which database? → Postgres' }).waitFor();
    assert.equal((await subtaskOf(p)).permission_mode, 'acceptEdits', 'the chosen mode went out with the message');
  });

  it('Plan only: the plan is a card to approve (markdown, no buttons for this task), then edits are asked for', async () => {
    const { workspace } = await device('ap-plan');
    const file = join(workspace, 'planned.txt');
    model.script('AP-PLAN', reply(toolUse('ExitPlanMode', { plan: '## The plan\n1. Write **planned.txt**' })), reply(toolUse('Write', { file_path: file, content: 'p' })), reply(text('Done as planned.')));
    const p = await page();
    await pick(p, 'ap-plan');
    await p.getByRole('combobox', { name: 'Permission mode' }).selectOption('plan');
    await sendMessage(p, 'Plan it first (AP-PLAN)');
    const card = openCard(p);
    await card.getByText('Claude has a plan and wants to start making changes').waitFor({ timeout: 120_000 });
    await card.locator('.tool-plan h2').filter({ hasText: 'The plan' }).waitFor();
    await card.locator('.tool-plan strong').filter({ hasText: 'planned.txt' }).waitFor();
    assert.equal(await card.getByRole('button', { name: 'Allow for this task' }).count(), 0);
    await card.getByRole('button', { name: 'Approve plan and start' }).click();
    const write = p.locator('.approval-card[data-state="open"][data-tool="Write"]');
    await write.waitFor({ timeout: 120_000 });
    assert.equal(existsSync(file), false);
    await write.getByRole('button', { name: 'Allow once' }).click();
    await lastStatus(p).filter({ hasText: 'Completed' }).waitFor({ timeout: 120_000 });
    assert.equal(readFileSync(file, 'utf8'), 'p');
  });

  it('the mode ceiling: "Full access" asked of a device set to "Ask before changes" still asks, and the reply says what ran', async () => {
    const { workspace } = await device('ap-ceiling', 'default');
    const file = join(workspace, 'ceiling.txt');
    model.script('AP-CEILING', reply(toolUse('Bash', { command: `echo hi > ${file}` })), reply(text('ok')));
    const p = await page();
    await pick(p, 'ap-ceiling');
    await p.getByRole('combobox', { name: 'Permission mode' }).selectOption('bypassPermissions');
    await sendMessage(p, 'Run it (AP-CEILING)');
    await openCard(p).waitFor({ timeout: 120_000 });
    await p.locator('.event-status').filter({ hasText: /asked for "Full access".*ran as "Ask before changes"/ }).waitFor();
    assert.equal(existsSync(file), false);
    await openCard(p).getByRole('button', { name: 'Deny' }).click();
    await lastStatus(p).filter({ hasText: 'Completed' }).waitFor({ timeout: 120_000 });
    // The conversation remembers its mode: reopened, the composer shows "Full access" again.
    await p.reload();
    await p.locator('.turn').first().waitFor();
    assert.equal(await p.getByRole('combobox', { name: 'Permission mode' }).inputValue(), 'bypassPermissions');
    await p.getByRole('button', { name: 'New conversation' }).click();
    assert.equal(await p.getByRole('combobox', { name: 'Permission mode' }).inputValue(), 'default', 'a new conversation starts at the default');
  });

  it('notifications while the page is hidden: asked once with the reason, then one for the request and one when the task ends', async () => {
    const { workspace } = await device('ap-notify');
    const file = join(workspace, 'n.txt');
    model.script('AP-NOTIFY', reply(toolUse('Write', { file_path: file, content: 'n' })), reply(text('Done writing.')));
    // First: a page never asked offers notifications after its first message, explaining why, and
    // asks the browser once. Headless Chromium cannot show the browser's own permission prompt, so
    // the page sees "not asked yet" and the prompt's answer is recorded in its place.
    model.script('AP-OFFER', reply(text('Hi.')));
    const asked = await page({ permissions: [] });
    // (Scripts as text: the test's own compiled code carries helpers the page does not have.)
    await asked.context().addInitScript(`
      window.__asked = Number(sessionStorage.getItem('asked') ?? 0);
      class NotAskedYet extends window.Notification {
        static get permission() { return 'default'; }
        static async requestPermission() {
          sessionStorage.setItem('asked', String(++window.__asked));
          return 'default';
        }
      }
      Object.defineProperty(window, 'Notification', { value: NotAskedYet, configurable: true, writable: true });
    `);
    await asked.reload();
    await asked.locator('.connection-connected').waitFor();
    assert.equal(await asked.locator('.notify-offer').count(), 0, 'nothing is offered before a message is sent');
    await pick(asked, 'ap-notify');
    await sendMessage(asked, 'Hello (AP-OFFER)');
    const offer = asked.locator('.notify-offer');
    await offer.getByText('Get a browser notification when Claude needs your answer').waitFor();
    await offer.getByRole('button', { name: 'Turn on notifications' }).click();
    await offer.waitFor({ state: 'detached' });
    await lastStatus(asked).filter({ hasText: 'Completed' }).waitFor({ timeout: 120_000 });
    await asked.reload();
    await asked.locator('.turn').first().waitFor();
    assert.equal(await asked.evaluate(() => (window as unknown as { __asked: number }).__asked), 1, 'the browser was asked once');
    assert.equal(await asked.locator('.notify-offer').count(), 0, 'and the page never offers again');

    // Then: a page allowed to notify, in the background. The page's visibility and what it shows
    // through the Notification API are observed from inside the page.
    const chat = await openChat(stack, { permissions: ['notifications'] });
    pages.push(chat);
    const p = chat.page;
    await signIn(p, user);
    await pick(p, 'ap-notify');
    await p.evaluate(`(() => {
      const shown = [];
      window.__shown = shown;
      class Recorded extends window.Notification {
        constructor(title, opts = {}) {
          super(title, opts);
          shown.push({ title, body: opts.body ?? '', tag: opts.tag ?? '' });
        }
      }
      Object.defineProperty(window, 'Notification', { value: Recorded, configurable: true, writable: true });
      Object.defineProperty(document, 'visibilityState', { get: () => 'hidden', configurable: true });
    })()`);
    await sendMessage(p, 'Write n.txt (AP-NOTIFY)');
    const shown = () => p.evaluate(() => (window as unknown as { __shown: { title: string; body: string }[] }).__shown);
    const request = await waitFor(async () => (await shown()).find((n) => n.title === 'Claude needs your answer'), { message: 'a notification for the request' });
    assert.match(request.body, /Write: .*n\.txt/);
    assert.match(request.body, /Write n\.txt \(AP-NOTIFY\)/);
    await openCard(p).getByRole('button', { name: 'Allow once' }).click();
    const done = await waitFor(async () => (await shown()).find((n) => n.title === 'Task finished'), { message: 'a notification for the end' });
    assert.match(done.body, /“Write n\.txt \(AP-NOTIFY\)”\nDone writing\./);
    assert.equal((await shown()).filter((n) => n.title === 'Claude needs your answer').length, 1, 'one per request');
    assert.deepEqual(chat.errors, []);
  });
});
