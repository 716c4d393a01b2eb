// The records' codecs against a real Redis: what a new record leaves out (its zero counts and false
// flags) reads back as the same record, and an update still writes the zeros it sets.
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { decodeSubtask, encodeNewSubtask, encodeSubtask, type SubtaskRecord } from '../src/store/records';
import { redisClient, startRedis, type TestRedis } from '../../test/support/redis';

const subtask = (over: Partial<SubtaskRecord> = {}): SubtaskRecord => ({
  subtask_id: 'sub_1', task_id: 'task_1', user_id: 'u_1', device_id: 'dev', requested_device: 'dev', prompt: 'hello',
  status: 'pending', result: null, error: null, session_id: null, usage: null, created_at: '2026-12-07T00:00:00.000Z',
  started_at: null, completed_at: null, last_seq: 0, cancel_requested: false, missing_beats: 0, permission_mode: null,
  model: null, stored_bytes: 0, stored_events: 0, truncated: false, changes: null, attachments: null, changes_outcome: null,
  ...over,
});

describe('records: the subtask codec in Redis', function () {
  let redis: TestRedis;
  let client: Redis;
  before(async () => {
    redis = await startRedis();
    client = redisClient(redis.url) as Redis;
  });
  after(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  it('writes a new subtask without its zero counts and false flags, and reads it back whole', async () => {
    const s = subtask();
    const fields = encodeNewSubtask(s);
    const names = fields.filter((_, i) => i % 2 === 0);
    for (const zero of ['last_seq', 'cancel_requested', 'missing_beats', 'stored_bytes', 'stored_events', 'truncated']) assert.ok(!names.includes(zero), `${zero} written`);
    // A script tells that a subtask exists by its status: it is written though 'pending' is its default.
    assert.ok(names.includes('status'));
    await client.hset('sub:new', ...fields);
    assert.deepEqual(decodeSubtask(await client.hgetall('sub:new')), s);
  });

  it('keeps counts and flags that are set, and an update still writes a zero', async () => {
    const s = subtask({ last_seq: 3, truncated: true, cancel_requested: true, stored_bytes: 120 });
    await client.hset('sub:set', ...encodeNewSubtask(s));
    assert.deepEqual(decodeSubtask(await client.hgetall('sub:set')), s);
    await client.hset('sub:set', ...encodeSubtask({ missing_beats: 2 }));
    await client.hset('sub:set', ...encodeSubtask({ missing_beats: 0 }));
    assert.equal(decodeSubtask(await client.hgetall('sub:set'))?.missing_beats, 0);
    assert.equal(await client.hget('sub:set', 'missing_beats'), '0');
  });
});
