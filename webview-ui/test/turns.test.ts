// One turn and the open conversation alone: a turn only moves forward, and pushes find their turn
// (or are left for the history list when they belong to another conversation).
import assert from 'node:assert/strict';
import type { ChatChunk, SubtaskView } from '@wegent/shared';
import { applyChunk, applyStatus, doneIsAhead, newTurn, turnFromSubtask, type Turn } from '../src/turns';
import { applyStart, changesDecided, emptyConversation, liveTurns, sendAcked, sendStarted, type ConversationSlice } from '../src/conversation';

const chunk = (seq: number, subtask_id = 's1'): ChatChunk => ({ task_id: 't1', subtask_id, seq, events: [{ type: 'text', text: `<${seq}>` }] });
const acked = (status: 'running' | 'queued' = 'running'): Turn => ({ ...newTurn('k', 't1', 'd1', 'hi'), subtask_id: 's1', status });

describe('chat turns', () => {
  it('returns the very same turn for a chunk it already has or cannot apply yet', () => {
    const t = applyChunk(acked(), chunk(1));
    assert.equal(applyChunk(t, chunk(1)), t);
    assert.equal(applyChunk(t, chunk(3)), t);
  });

  it('a first chunk makes a queued turn running and clears its queue position; a status push never reopens a final turn', () => {
    const queued = { ...acked('queued'), queue_position: 3 };
    const t = applyChunk(queued, chunk(1));
    assert.deepEqual([t.status, t.queue_position], ['running', undefined]);
    const cancelled = { ...t, status: 'cancelled' as const };
    assert.equal(applyStatus(cancelled, 'running'), cancelled);
    assert.deepEqual(applyStatus(queued, 'queued', 1).queue_position, 1);
  });

  it('holds a chat:done back while it names chunks the turn has not shown', () => {
    const t = applyChunk(applyChunk(acked(), chunk(1)), chunk(2));
    const done = { task_id: 't1', subtask_id: 's1', status: 'completed' as const };
    assert.equal(doneIsAhead(t, { ...done, last_seq: 3 }), true);
    assert.equal(doneIsAhead(t, { ...done, last_seq: 2 }), false);
    assert.equal(doneIsAhead(undefined, { ...done, last_seq: 3 }), false, 'a done for no turn of this page is left to the history list');
  });

  it('rebuilds a stored subtask from unsorted, repeated chunks and keeps its final fields', () => {
    const stored: SubtaskView = {
      subtask_id: 's1', task_id: 't1', device_id: 'd1', prompt: 'p', status: 'failed', result: null, error: { code: 'DEVICE_OFFLINE', message: 'gone' },
      created_at: '', started_at: null, completed_at: null, last_seq: 3, events: [chunk(3), chunk(1), chunk(2), chunk(1)],
    };
    const t = turnFromSubtask(stored);
    assert.deepEqual(t.events.map((e) => (e as { text: string }).text), ['<1>', '<2>', '<3>']);
    assert.deepEqual([t.status, t.last_seq, t.result, t.error?.code], ['failed', 3, undefined, 'DEVICE_OFFLINE']);
  });

  it('a change card applied or discarded stays so: stored with the subtask, or pushed to the turn it belongs to', () => {
    const changes = { isolation: 'worktree' as const, files: [{ path: 'a.txt', status: 'modified' as const, additions: 1, deletions: 0 }], additions: 1, deletions: 0 };
    const outcome = { state: 'applied' as const, files: 1, at: '2026-12-03T06:00:00.000Z' };
    const stored: SubtaskView = {
      subtask_id: 's1', task_id: 't1', device_id: 'd1', prompt: 'p', status: 'completed', result: 'ok', error: null,
      created_at: '', started_at: null, completed_at: null, last_seq: 0, events: [], changes, changes_outcome: outcome,
    };
    assert.deepEqual(turnFromSubtask(stored).changes_outcome, outcome);
    const open: ConversationSlice = { taskId: 't1', turns: [{ ...acked(), status: 'completed', changes }] };
    const decided = changesDecided(open, { task_id: 't1', subtask_id: 's1', state: 'discarded', files: 1, at: outcome.at });
    assert.deepEqual(decided.turns[0].changes_outcome, { state: 'discarded', files: 1, at: outcome.at });
    assert.equal(changesDecided(open, { task_id: 't9', subtask_id: 's9', ...outcome }).turns[0].changes_outcome, undefined, 'another conversation\'s card');
  });
});

describe('chat conversation', () => {
  const sending = (): ConversationSlice => sendStarted(emptyConversation, 'k1', 'hello', 'cloud');

  it('adopts a waiting turn only for a start with the same device and prompt', () => {
    const other = applyStart(sending(), { task_id: 't1', subtask_id: 's1', device_id: 'cloud', prompt: 'something else' });
    assert.equal(other.matched, false, 'a start for another message of a new conversation is not ours');
    const ours = applyStart(sending(), { task_id: 't1', subtask_id: 's1', device_id: 'cloud', prompt: 'hello' });
    assert.equal(ours.matched, true);
    assert.deepEqual([ours.conversation.taskId, ours.conversation.turns[0].subtask_id], ['t1', 's1']);
  });

  it('leaves a start of another conversation to the caller, unchanged', () => {
    const open = sendAcked(sending(), 'k1', { task_id: 't1', subtask_id: 's1', status: 'running' });
    const r = applyStart(open, { task_id: 't9', subtask_id: 's9', device_id: 'cloud' });
    assert.equal(r.matched, false);
    assert.equal(r.conversation, open);
  });

  it('counts a turn as live from its ack until it is final, never while it is still sending', () => {
    const c = sending();
    assert.deepEqual(liveTurns(c), []);
    const open = sendAcked(c, 'k1', { task_id: 't1', subtask_id: 's1', status: 'queued', queue_position: 1 });
    assert.deepEqual(liveTurns(open).map((t) => t.subtask_id), ['s1']);
  });
});
