// The Lua scripts as files: each loads (includes resolved) and compiles in a real Redis, its file
// name gives its key count, it names no key itself, and the record fields it reads or writes by
// name are fields of the one TypeScript definition of that record (store/records.ts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { SUBTASK_STATUSES } from '@wegent/shared';
import { loadScript, scriptFiles } from '../src/store/lua/loader';
import { DEVICE_FIELDS, SUBTASK_FIELDS, TASK_FIELDS } from '../src/store/records';
import { redisClient, startRedis, type TestRedis } from '../../test/support/redis';

const LUA_DIR = join(__dirname, '..', 'src', 'store', 'lua');
const read = (file: string) => readFileSync(join(LUA_DIR, file), 'utf8');
/** Quoted words in code (comments dropped). */
const quoted = (lua: string) => [...lua.replace(/--[^\n]*/g, '').matchAll(/'([a-z_]+)'/g)].map((m) => m[1]);

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
});
