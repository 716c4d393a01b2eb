// Change review payloads (docs/protocol.md "Changes"): a diff path can only name something inside
// the task's worktree, and task:complete carries names and counts of the changes.
import assert from 'node:assert/strict';
import { ChatApply, ChatDiff, TaskComplete, parsePayload } from '../src/index';

describe('shared: change review payloads', () => {
  it('chat:diff takes relative paths inside the worktree and refuses absolute ones and ".." segments', () => {
    for (const ok of ['a.txt', 'src/deep/x.ts', '.env.example', '..hidden', 'a..b/c']) assert.ok(ChatDiff.safeParse({ task_id: 't1', path: ok }).success, ok);
    for (const bad of ['../x', 'a/../../b', '..', 'a/..', '/etc/passwd', '\\\\server\\share', 'C:/Windows', 'a\0b', '']) {
      const r = parsePayload(ChatDiff, { task_id: 't1', path: bad });
      assert.ok(!r.ok, JSON.stringify(bad));
      assert.equal(r.error.code, 'INVALID_PAYLOAD');
      assert.match(r.error.message, /path/);
    }
    assert.ok(ChatDiff.safeParse({ task_id: 't1' }).success, 'no path: the whole diff');
  });

  it('chat:apply knows apply and discard only', () => {
    assert.ok(ChatApply.safeParse({ task_id: 't1', action: 'apply' }).success);
    assert.ok(ChatApply.safeParse({ task_id: 't1', action: 'discard' }).success);
    assert.ok(!ChatApply.safeParse({ task_id: 't1', action: 'commit' }).success);
  });

  it('task:complete carries changes as names and counts', () => {
    const changes = { isolation: 'worktree', branch: 'wegent/abc', base: 'f'.repeat(40), additions: 3, deletions: 1, files: [{ path: 'a.txt', status: 'modified', additions: 3, deletions: 1 }] };
    const r = parsePayload(TaskComplete, { subtask_id: 's1', status: 'completed', last_seq: 0, changes });
    assert.ok(r.ok);
    assert.deepEqual(r.value.changes, changes);
    assert.ok(!parsePayload(TaskComplete, { subtask_id: 's1', status: 'completed', last_seq: 0, changes: { ...changes, files: [{ path: 'a', status: 'copied', additions: 0, deletions: 0 }] } }).ok);
  });
});
