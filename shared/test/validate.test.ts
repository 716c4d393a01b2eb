// parsePayload is the gate every socket event and HTTP body passes: a bad payload must come back as
// INVALID_PAYLOAD whose message names the field at fault, and nesting that would overflow the
// recursive serialisers behind it must be refused before the schema runs.
import assert from 'node:assert/strict';
import { z } from 'zod';
import { ChatSend, ErrorCode, MAX_PAYLOAD_DEPTH, TaskComplete, TaskProgress, nestedDeeperThan, parsePayload } from '../src/index';

/** An object nested `levels` deep: {a:{a:{…}}}. */
function nested(levels: number): Record<string, unknown> {
  let v: Record<string, unknown> = {};
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}

function refusal(schema: z.ZodType, data: unknown): string {
  const r = parsePayload(schema, data);
  assert.ok(!r.ok, 'expected a refusal');
  assert.equal(r.error.code, ErrorCode.INVALID_PAYLOAD);
  return r.error.message;
}

describe('shared: parsePayload', () => {
  it('accepts a valid payload, strips unknown fields and applies transforms', () => {
    const r = parsePayload(TaskComplete, { subtask_id: 's1', status: 'failed', error: 'boom', last_seq: 3, future_field: 1 });
    assert.ok(r.ok);
    assert.deepEqual(r.value, { subtask_id: 's1', status: 'failed', error: { code: ErrorCode.EXECUTOR_ERROR, message: 'boom' }, last_seq: 3 });
  });

  it('names the field at fault, with its path into arrays and objects', () => {
    assert.match(refusal(ChatSend, { message: 'hi' }), /^Invalid field "device_id": /);
    assert.match(refusal(ChatSend, { device_id: 'd', message: '   ' }), /^Invalid field "message": must not be empty$/);
    assert.match(refusal(ChatSend, { device_id: 'no spaces', message: 'hi' }), /"device_id": must be 1–128 characters/);
    const events = [{ type: 'text', text: 'ok' }, { type: 'tool_result', tool_use_id: 't', is_error: 'yes', text: '' }];
    assert.match(refusal(TaskProgress, { subtask_id: 's', seq: 1, events }), /^Invalid field "events\.1\.is_error": /);
  });

  it('refuses what is not a JSON object as a whole', () => {
    for (const bad of [null, undefined, 'text', 42, [{ device_id: 'd' }]]) {
      assert.equal(refusal(ChatSend, bad), 'The payload must be a JSON object.');
    }
  });

  it(`refuses nesting deeper than ${MAX_PAYLOAD_DEPTH} levels before the schema runs, and allows it up to there`, () => {
    const progress = (input: unknown) => ({ subtask_id: 's', seq: 1, events: [{ type: 'tool_use', id: 't', name: 'Write', input }] });
    // payload → events → [0] → input: three levels before the free-form input starts.
    assert.ok(parsePayload(TaskProgress, progress(nested(MAX_PAYLOAD_DEPTH - 3))).ok);
    assert.match(refusal(TaskProgress, progress(nested(MAX_PAYLOAD_DEPTH - 2))), /more than 64 levels deep/);
    // Far deeper than a recursive walk could go: the check itself must not overflow the stack.
    assert.match(refusal(TaskProgress, progress(nested(200_000))), /levels deep/);
  });

  it('counts arrays as levels too', () => {
    let v: unknown = [];
    for (let i = 0; i < 10; i++) v = [v];
    assert.equal(nestedDeeperThan(v, 10), false);
    assert.equal(nestedDeeperThan([v], 10), true);
  });
});
