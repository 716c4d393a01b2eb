// The approval payloads refuse what the backend must refuse (INVALID_PAYLOAD naming the field), and
// the stream's permission events are part of TaskEvent, so task:progress carries them.
import assert from 'node:assert/strict';
import { ChatPermissionReply, ChatSend, LIMITS, TaskEvent, parsePayload } from '../src/index';

const reply = { subtask_id: 'sub_1', request_id: 'toolu_01', decision: 'deny', message: 'use a temp dir' };

describe('shared: approval payloads', () => {
  it('accepts a reply with a note, answers and a scope', () => {
    const r = parsePayload(ChatPermissionReply, { ...reply, scope: 'task', answers: { 'Which one?': 'A, B' } });
    assert.ok(r.ok);
  });

  it('refuses an oversized note, too many answers, an unknown decision or a bad request id, naming the field', () => {
    const cases: [unknown, RegExp][] = [
      [{ ...reply, message: 'x'.repeat(LIMITS.permissionNoteChars + 1) }, /"message"/],
      [{ ...reply, answers: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`q${i}`, 'a'])) }, /"answers"/],
      [{ ...reply, decision: 'maybe' }, /"decision"/],
      [{ ...reply, scope: 'forever' }, /"scope"/],
      [{ ...reply, request_id: '../x y' }, /"request_id"/],
    ];
    for (const [payload, field] of cases) {
      const r = parsePayload(ChatPermissionReply, payload);
      assert.ok(!r.ok && r.error.code === 'INVALID_PAYLOAD', JSON.stringify(payload).slice(0, 80));
      assert.match(r.error.message, field);
    }
  });

  it('chat:send takes a permission mode, and only one of the four', () => {
    assert.ok(parsePayload(ChatSend, { device_id: 'd', message: 'hi', permission_mode: 'plan' }).ok);
    const bad = parsePayload(ChatSend, { device_id: 'd', message: 'hi', permission_mode: 'root' });
    assert.ok(!bad.ok && /permission_mode/.test(bad.error.message));
  });

  it('permission_request and permission_decision are stream events', () => {
    assert.ok(TaskEvent.safeParse({ type: 'permission_request', request_id: 'r1', tool_name: 'Write', input: { file_path: '/a' } }).success);
    assert.ok(TaskEvent.safeParse({ type: 'permission_decision', request_id: 'r1', decision: 'allow', scope: 'task', by: 'chat', client: 'browser' }).success);
    assert.ok(!TaskEvent.safeParse({ type: 'permission_decision', request_id: 'r1', decision: 'allow', by: 'someone' }).success);
  });
});
