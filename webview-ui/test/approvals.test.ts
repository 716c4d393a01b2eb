// What the chat says about permission requests, rule by rule: how each request of a turn stands
// (the device's decision is final, a chat's answer on its way is shown as such), the words of a
// decided card, AskUserQuestion answers, the composer's mode per conversation, and which pushes
// notify a hidden page.
import assert from 'node:assert/strict';
import type { PermissionRequestEvent, TaskDetail, TaskEvent } from '@wegent/shared';
import { answerOf, approvalsOf, decisionWords, shortTime } from '../src/approvals';
import { translator } from '../src/i18n';
import { notificationsFor } from '../src/notify';
import { initialState, otherConversationsWaiting, reduce, type Action, type State } from '../src/state';

const request = (id: string, over: Partial<PermissionRequestEvent> = {}): PermissionRequestEvent => ({
  type: 'permission_request', request_id: id, tool_name: 'Write', input: { file_path: '/w/a.txt', content: 'x' }, ...over,
});
const run = (actions: Action[], from: State = initialState) => actions.reduce(reduce, from);
const t = translator('en');

describe('chat approvals: how each request stands', () => {
  it('open until decided; the device’s decision wins over a record; a final turn ends what nobody answered', () => {
    const events: TaskEvent[] = [request('r1'), request('r2'), request('r3'), { type: 'permission_decision', request_id: 'r1', decision: 'deny', by: 'device' }];
    const records = { r2: { request_id: 'r2', decision: 'allow' as const, by: 'chat' as const, decided_at: '2026-01-01T14:02:00Z', delivered: false, client: 'browser' as const } };
    const live = approvalsOf(events, records, false);
    assert.deepEqual(live.map((a) => [a.request.request_id, a.state, a.decided?.by, a.decided?.confirmed]), [
      ['r1', 'decided', 'device', true], ['r2', 'decided', 'chat', false], ['r3', 'open', undefined, undefined],
    ]);
    assert.equal(approvalsOf(events, records, true)[2].state, 'ended');
  });

  it('says who decided, where and when', () => {
    const at = new Date();
    at.setHours(14, 2, 0, 0);
    const decided_at = at.toISOString();
    const say = (d: Parameters<typeof decisionWords>[0], question = false) => {
      const w = decisionWords(d, { question, deviceName: 'Linux - box', locale: 'en-GB' });
      return t(w.key as never, { ...w.vars, where: t(`approval.where.${w.vars.where ?? 'chat'}` as never) });
    };
    assert.equal(say({ decision: 'allow', by: 'chat', client: 'browser', decided_at, confirmed: true }), 'Allowed by you in the browser, 14:02');
    assert.equal(say({ decision: 'allow', scope: 'task', by: 'chat', client: 'vscode', decided_at, confirmed: true }), 'Allowed for this task by you in VS Code, 14:02');
    assert.equal(say({ decision: 'deny', by: 'device', decided_at, confirmed: true }), 'Denied at the device "Linux - box", 14:02');
    assert.equal(say({ decision: 'deny', by: 'timeout', decided_at, confirmed: true }), 'Denied: nobody answered in time (14:02)');
    assert.equal(say({ decision: 'allow', by: 'chat', decided_at, confirmed: true }, true), 'Answered by you in a chat, 14:02');
    assert.match(shortTime('2020-03-04T10:00:00Z', 'en-GB'), /04\/03\/2020/, 'another day shows its date');
  });

  it('AskUserQuestion answers: chosen labels, then the free text, comma-separated', () => {
    assert.equal(answerOf(['Docker', 'CI'], ''), 'Docker, CI');
    assert.equal(answerOf([], '  SQLite '), 'SQLite');
    assert.equal(answerOf([], ' '), '');
  });
});

describe('chat approvals: the composer’s mode', () => {
  it('starts at "Ask before changes", follows a reopened conversation’s last message, and resets for a new one', () => {
    assert.equal(initialState.composerMode, 'default');
    const task = { task_id: 't1', subtasks: [{ subtask_id: 's1', task_id: 't1', device_id: 'd', prompt: 'p', status: 'completed', events: [], permission_mode: 'plan' }] } as unknown as TaskDetail;
    const s = run([{ type: 'setComposerMode', mode: 'acceptEdits' }, { type: 'conversationLoaded', task }]);
    assert.equal(s.composerMode, 'plan');
    assert.equal(run([{ type: 'newConversation' }], s).composerMode, 'default');
  });
});

describe('chat approvals: other conversations that wait', () => {
  it('counts conversations other than the open one while a subtask of theirs waits, until answered or done', () => {
    const waiting = (subtask_id: string, task_id: string, awaiting_input: boolean): Action => ({ type: 'chatStatus', event: { task_id, subtask_id, device_id: 'd', status: 'running', awaiting_input } });
    let s = run([waiting('s1', 't1', true), waiting('s2', 't2', true), waiting('s3', 't2', true)]);
    assert.equal(otherConversationsWaiting(s), 2);
    s = run([waiting('s1', 't1', false)], s);
    assert.equal(otherConversationsWaiting(s), 1);
    s = run([{ type: 'done', event: { task_id: 't2', subtask_id: 's2', status: 'completed', last_seq: 0 } } as Action], s);
    assert.equal(otherConversationsWaiting(s), 1, 's3 of the same conversation still waits');
    s = run([{ type: 'done', event: { task_id: 't2', subtask_id: 's3', status: 'completed', last_seq: 0 } } as Action], s);
    assert.equal(otherConversationsWaiting(s), 0);
  });
});

describe('chat approvals: notifications for a hidden page', () => {
  const prompts = new Map([['s1', 'Fix the login page']]);
  it('one per permission request, naming the tool, its target and the task', () => {
    const [n, ...rest] = notificationsFor(t, 'chat:chunk', { task_id: 't1', subtask_id: 's1', seq: 3, events: [{ type: 'text', text: 'hi' }, request('r1')] }, prompts);
    assert.equal(rest.length, 0);
    assert.deepEqual(n, { tag: 's1/r1', title: 'Claude needs your answer', body: 'Write: /w/a.txt\n“Fix the login page”', task_id: 't1' });
    const q = notificationsFor(t, 'chat:chunk', { task_id: 't1', subtask_id: 's1', seq: 4, events: [request('r2', { tool_name: 'AskUserQuestion', input: {}, questions: [{ question: 'Which DB?', options: [] }] })] }, prompts);
    assert.equal(q[0].title, 'Claude has a question');
    assert.match(q[0].body, /^Which DB\?/);
  });

  it('finished and failed tasks, not stopped ones', () => {
    assert.equal(notificationsFor(t, 'chat:done', { task_id: 't1', subtask_id: 's1', status: 'completed', result: 'All done', last_seq: 3 }, prompts)[0].title, 'Task finished');
    const failed = notificationsFor(t, 'chat:done', { task_id: 't1', subtask_id: 's1', status: 'failed', error: { code: 'X', message: 'It broke' }, last_seq: 3 }, prompts)[0];
    assert.deepEqual([failed.title, failed.body], ['Task failed', '“Fix the login page”\nIt broke']);
    assert.deepEqual(notificationsFor(t, 'chat:done', { task_id: 't1', subtask_id: 's1', status: 'cancelled', last_seq: 3 }, prompts), []);
    assert.deepEqual(notificationsFor(t, 'chat:status', { task_id: 't1', subtask_id: 's1', status: 'running' }, prompts), []);
  });
});
