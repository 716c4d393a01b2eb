// The Lua scripts as files: each loads (includes resolved) and compiles in a real Redis, its file
// name gives its key count, it names no key itself, and the record fields it reads or writes by
// name are fields of the one TypeScript definition of that record (store/records.ts). And that
// definition's codec in Redis: what a new record leaves out reads back the same.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { SUBTASK_STATUSES } from '@wegent/shared';
import { loadScript, scriptFiles } from '../src/store/lua/loader';
import { DEVICE_FIELDS, SUBTASK_FIELDS, TASK_FIELDS, decodeSubtask, encodeNewSubtask, encodeSubtask, type SubtaskRecord } from '../src/store/records';
import { redisClient, startRedis, type TestRedis } from '../../test/support/redis';

const LUA_DIR = join(__dirname, '..', 'src', 'store', 'lua');
const read = (file: string) => readFileSync(join(LUA_DIR, file), 'utf8');
/** Quoted words in code (comments dropped). */
const quoted = (lua: string) => [...lua.replace(/--[^\n]*/g, '').matchAll(/'([a-z_]+)'/g)].map((m) => m[1]);

const subtask = (over: Partial<SubtaskRecord> = {}): SubtaskRecord => ({
  subtask_id: 'sub_1', task_id: 'task_1', user_id: 'u_1', device_id: 'dev', requested_device: 'dev', prompt: 'hello',
  status: 'pending', result: null, error: null, session_id: null, usage: null, created_at: '2026-12-07T00:00:00.000Z',
  started_at: null, completed_at: null, last_seq: 0, cancel_requested: false, missing_beats: 0, permission_mode: null,
  model: null, stored_bytes: 0, stored_events: 0, truncated: false, changes: null, attachments: null, changes_outcome: null,
  ...over,
});

describe('Lua scripts (backend/src/store/lua)', function () {
  this.timeout(20_000);
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

  it('loads and compiles every script', async () => {
    const files = scriptFiles();
    assert.ok(files.length >= 10, `found ${files.length} scripts`);
    for (const file of files) {
      const s = loadScript(file);
      assert.equal(s.numberOfKeys, Number(file.split('-')[1]));
      assert.doesNotMatch(s.lua, /@include/, `${file}: an include was left unexpanded`);
      assert.match(String(await client.script('LOAD', s.lua)), /^[0-9a-f]{40}$/, file);
    }
  });

  it('builds no key name: every key arrives in KEYS', () => {
    for (const file of [...scriptFiles().map((f) => `${f}.lua`), 'includes/pump.lua', 'includes/touch.lua']) {
      const lua = read(file).replace(/--[^\n]*/g, '');
      assert.doesNotMatch(lua, /wg:/, `${file} names a key`);
      assert.doesNotMatch(lua, /\.\.\s*['"]?[a-z_]*:/, `${file} concatenates a key name`);
    }
  });

  it('names only fields of the record definitions', () => {
    // Quoted lower-case words in the record includes are field names, or statuses they set.
    const statuses = new Set<string>(SUBTASK_STATUSES);
    for (const [include, fields] of [['subtask', SUBTASK_FIELDS], ['device', DEVICE_FIELDS], ['task', TASK_FIELDS]] as const) {
      const names = quoted(read(`includes/${include}.lua`)).filter((w) => !statuses.has(w));
      assert.ok(names.length > 0);
      for (const name of names) assert.ok(name in fields, `includes/${include}.lua names "${name}", which is no field of that record`);
    }
    // Scripts read and write record fields only through those includes (or as field lists from TypeScript).
    const allFields = new Set([...Object.keys(SUBTASK_FIELDS), ...Object.keys(DEVICE_FIELDS), ...Object.keys(TASK_FIELDS)]);
    for (const file of scriptFiles()) {
      assert.deepEqual(quoted(read(`${file}.lua`)).filter((w) => allFields.has(w)), [], `${file}.lua names record fields itself`);
    }
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
