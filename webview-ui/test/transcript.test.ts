// How a raw event stream becomes what the chat shows.
import assert from 'node:assert/strict';
import { blocksOf, formatInput, replyText, reportedModel } from '../src/transcript';

describe('transcript blocks', () => {
  it('merges streamed text, pairs each tool call with its result, keeps order', () => {
    const blocks = blocksOf([
      { type: 'thinking', text: 'let me ' },
      { type: 'thinking', text: 'see' },
      { type: 'text', text: 'I will ' },
      { type: 'text', text: 'write it.' },
      { type: 'tool_use', id: 'u1', name: 'Write', input: { file_path: 'a.txt' } },
      { type: 'tool_use', id: 'u2', name: 'Bash', input: { command: 'false' } },
      { type: 'tool_result', tool_use_id: 'u2', is_error: true, text: 'exit 1' },
      { type: 'tool_result', tool_use_id: 'u1', is_error: false, text: 'written' },
      { type: 'status', text: 'compacting' },
      { type: 'text', text: 'Done.' },
    ]);
    assert.deepEqual(blocks, [
      { kind: 'thinking', text: 'let me see' },
      { kind: 'text', text: 'I will write it.' },
      { kind: 'tool', id: 'u1', name: 'Write', input: { file_path: 'a.txt' }, result: { text: 'written', is_error: false } },
      { kind: 'tool', id: 'u2', name: 'Bash', input: { command: 'false' }, result: { text: 'exit 1', is_error: true } },
      { kind: 'status', text: 'compacting' },
      { kind: 'text', text: 'Done.' },
    ]);
  });

  it('drops the per-turn "session started" line but keeps its model; other status codes keep their numbers', () => {
    const events = [
      { type: 'status' as const, code: 'session_started', model: 'claude-sonnet-4-5', permission_mode: 'default', text: 'Claude Code session started (model claude-sonnet-4-5, permission mode default).' },
      { type: 'status' as const, code: 'api_retry', attempt: 2, max_attempts: 10, text: 'Model API error (overloaded); retrying, attempt 2 of 10.' },
      { type: 'text' as const, text: 'hi' },
    ];
    assert.deepEqual(blocksOf(events), [
      { kind: 'status', code: 'api_retry', attempt: 2, max_attempts: 10, text: 'Model API error (overloaded); retrying, attempt 2 of 10.' },
      { kind: 'text', text: 'hi' },
    ]);
    assert.equal(reportedModel(events), 'claude-sonnet-4-5');
    assert.equal(reportedModel([{ type: 'text', text: 'no session line' }]), undefined, 'nothing invented');
  });

  it('shows a result whose call was never seen as its own card', () => {
    assert.deepEqual(blocksOf([{ type: 'tool_result', tool_use_id: 'x', is_error: false, text: 'r' }]), [
      { kind: 'tool', id: 'x', name: '?', input: undefined, result: { text: 'r', is_error: false } },
    ]);
  });

  it('announces only the reply text, and formats any tool input', () => {
    assert.equal(replyText([{ type: 'thinking', text: 'hmm' }, { type: 'text', text: 'a' }, { type: 'text', text: 'b' }]), 'ab');
    assert.equal(formatInput({ a: 1 }), '{\n  "a": 1\n}');
    assert.equal(formatInput('raw'), 'raw');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.equal(formatInput(cyclic), '[object Object]');
  });
});
