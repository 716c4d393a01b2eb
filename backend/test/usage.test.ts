// Usage and cost (issue 16): what a device reports on task:complete reaches the chat on chat:done,
// stays with the subtask (history, chat:resume), adds up per user, UTC day and device in GET /api/usage
// — the caller's own only — and moves the operators' Prometheus counters. What was not reported is
// never shown as zero. (The real executor and Agent SDK: extension/test/executor/usage.e2e.test.ts.)
import assert from 'node:assert/strict';
import { startRedis, type TestRedis } from '../../test/support/redis';
import { startBackend, createUser, FAST_TIMING, type TestBackend, type TestUser } from '../../test/support/backend';
import { TestChat, TestDevice, api } from '../../test/support/clients';

const today = () => new Date().toISOString().slice(0, 10);

describe('usage: stored with the reply, summed per day and device, counted for operators', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let backend: TestBackend;
  let alice: TestUser;
  let chat: TestChat;
  const open: { close(): void }[] = [];

  before(async () => {
    redis = await startRedis();
    backend = await startBackend({ redisUrl: redis.url, env: { ...FAST_TIMING } });
    alice = await createUser(backend);
    chat = await TestChat.connect({ url: backend.url, token: alice.token });
    open.push(chat);
  });
  after(async () => {
    for (const o of open) o.close();
    await backend?.stop();
    await redis?.stop();
  });

  async function device(user: TestUser, deviceId: string): Promise<TestDevice> {
    const d = await TestDevice.connect({ url: backend.url, token: user.token, deviceId });
    open.push(d);
    return d;
  }

  /** One reply on `d` that completes with `usage` (undefined: none reported); its chat:done. */
  async function reply(c: TestChat, d: TestDevice, usage: unknown, taskId?: string) {
    const sent = await c.sendOk({ device_id: d.deviceId, message: 'how much?', ...(taskId ? { task_id: taskId } : {}) });
    await d.waitForExecute(sent.subtask_id);
    const ack = await d.complete(sent.subtask_id, { result: 'this much', ...(usage !== undefined ? { usage } : {}) });
    assert.ok(ack.ok, JSON.stringify(ack));
    return { sent, done: await c.waitForDone(sent.subtask_id) };
  }

  const metric = async (line: RegExp): Promise<number> => {
    const text = (await api(backend.url, 'GET', '/metrics')).body as string;
    return Number(text.match(line)?.[1] ?? 0);
  };

  it('sends the reported usage on chat:done and keeps it with the subtask (GET /api/tasks/:id, chat:resume)', async () => {
    const laptop = await device(alice, 'usage-laptop');
    const usage = { input_tokens: 1200, output_tokens: 340, cache_creation_input_tokens: 50, cache_read_input_tokens: 9000, total_cost_usd: 0.0123, duration_ms: 4100, duration_api_ms: 3900, num_turns: 3 };
    const { sent, done } = await reply(chat, laptop, { ...usage, service_tier: 'standard', server_tool_use: { web_search_requests: 0 } });
    assert.deepEqual(done.usage, usage, 'known fields only, as reported');
    const detail = await api(backend.url, 'GET', `/api/tasks/${sent.task_id}`, { token: alice.token });
    assert.deepEqual(detail.body.subtasks[0].usage, usage);
    const resumed = await chat.resume(sent.subtask_id, 0);
    assert.ok(resumed.ok);
    assert.deepEqual(resumed.done?.usage, usage);
  });

  it('shows nothing where nothing was reported, and drops a known field with a wrong value without refusing the completion', async () => {
    const box = await device(alice, 'usage-box');
    const none = await reply(chat, box, undefined);
    assert.equal(none.done.usage, undefined, 'no usage reported: none invented');
    const detail = await api(backend.url, 'GET', `/api/tasks/${none.sent.task_id}`, { token: alice.token });
    assert.equal('usage' in detail.body.subtasks[0], false);
    const partial = await reply(chat, box, { output_tokens: 7, input_tokens: -3, total_cost_usd: 'lots', num_turns: 1.5 });
    assert.deepEqual(partial.done.usage, { output_tokens: 7 });
    const empty = await reply(chat, box, { service_tier: 'standard' });
    assert.equal(empty.done.usage, undefined, 'no known field: no usage');
  });

  it('GET /api/usage: the caller\'s totals by day and by device, fields nobody reported absent, nothing of another user', async () => {
    const bob = await createUser(backend);
    const bobChat = await TestChat.connect({ url: backend.url, token: bob.token });
    open.push(bobChat);
    const bobDevice = await device(bob, 'usage-bob');
    await reply(bobChat, bobDevice, { input_tokens: 999_999, output_tokens: 1, total_cost_usd: 5 });

    const desk = await device(alice, 'usage-desk');
    const first = await reply(chat, desk, { input_tokens: 100, output_tokens: 10, total_cost_usd: 0.1 });
    await reply(chat, desk, { input_tokens: 200, output_tokens: 20, total_cost_usd: 0.2 }, first.sent.task_id);

    const res = await api(backend.url, 'GET', '/api/usage', { token: alice.token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const s = res.body;
    assert.equal(s.to, today());
    assert.equal(s.days.length, 1);
    assert.equal(s.days[0].date, today());
    const byId = new Map((s.devices as Array<{ device_id: string }>).map((d) => [d.device_id, d]));
    assert.deepEqual(byId.get('usage-desk'), { device_id: 'usage-desk', name: 'Test - usage-desk', input_tokens: 300, output_tokens: 30, total_cost_usd: 0.3, replies: 2 });
    // The box reported output tokens only (the rest absent); the laptop everything.
    assert.deepEqual(byId.get('usage-box'), { device_id: 'usage-box', name: 'Test - usage-box', output_tokens: 7, replies: 1 });
    assert.equal(byId.get('usage-laptop')?.['replies' as never], 1);
    assert.equal(s.total.replies, 4, 'replies that reported usage');
    assert.equal(s.total.input_tokens, 1200 + 300);
    assert.equal(s.total.total_cost_usd, 0.3123);
    assert.deepEqual(s.days[0].input_tokens, s.total.input_tokens);
    assert.equal(byId.has('usage-bob'), false, 'another user\'s device');
    assert.ok(!JSON.stringify(s).includes('999999'), 'another user\'s tokens');

    const bobs = (await api(backend.url, 'GET', '/api/usage', { token: bob.token })).body;
    assert.deepEqual(bobs.devices, [{ device_id: 'usage-bob', name: 'Test - usage-bob', input_tokens: 999_999, output_tokens: 1, total_cost_usd: 5, replies: 1 }]);
  });

  it('GET /api/usage: a range in the past has nothing; bad ranges get INVALID_PAYLOAD saying what to send', async () => {
    const past = await api(backend.url, 'GET', '/api/usage?from=2020-01-01&to=2020-01-31', { token: alice.token });
    assert.equal(past.status, 200);
    assert.deepEqual(past.body, { from: '2020-01-01', to: '2020-01-31', total: { replies: 0 }, days: [], devices: [] });
    const cases: [string, RegExp][] = [
      ['from=2026-13-01', /from.*calendar day|from.*YYYY-MM-DD/],
      ['from=yesterday', /"from".*YYYY-MM-DD/],
      ['to=2026-02-30', /"to".*calendar day/],
      ['from=2026-03-02&to=2026-03-01', /"from" \(2026-03-02\) is after "to" \(2026-03-01\)/],
      ['from=2024-01-01&to=2026-01-01', /732 days; ask for at most 366/],
      ['start=2026-01-01', /Unknown query parameter "start".*from and to/],
      ['from=2026-01-01&from=2026-01-02', /"from"/],
    ];
    for (const [query, message] of cases) {
      const res = await api(backend.url, 'GET', `/api/usage?${query}`, { token: alice.token });
      assert.equal(res.status, 400, query);
      assert.equal(res.body.error.code, 'INVALID_PAYLOAD', query);
      assert.match(res.body.error.message, message, query);
    }
    assert.equal((await api(backend.url, 'GET', '/api/usage')).status, 401);
  });

  it('a reply on the cloud pool counts for its sender under "cloud" (never the pool device), labelled pool="cloud"', async () => {
    const operator = await createUser(backend, { role: 'operator' });
    const pool = await TestDevice.connect({ url: backend.url, token: operator.token, deviceId: 'usage-pool-1', mode: 'cloud', maxSlots: 2 });
    open.push(pool);
    const carol = await createUser(backend);
    const carolChat = await TestChat.connect({ url: backend.url, token: carol.token });
    open.push(carolChat);
    const before = await metric(/^wegent_tokens_total\{kind="output",pool="cloud"\} (\S+)/m);
    const sent = await carolChat.sendOk({ device_id: 'cloud', message: 'pool, how much?' });
    await pool.waitForExecute(sent.subtask_id);
    assert.ok((await pool.complete(sent.subtask_id, { result: 'ok', usage: { input_tokens: 70, output_tokens: 8, total_cost_usd: 0.07 } })).ok);
    assert.deepEqual((await carolChat.waitForDone(sent.subtask_id)).usage, { input_tokens: 70, output_tokens: 8, total_cost_usd: 0.07 });
    const theirs = (await api(backend.url, 'GET', '/api/usage', { token: carol.token })).body;
    assert.deepEqual(theirs.devices, [{ device_id: 'cloud', input_tokens: 70, output_tokens: 8, total_cost_usd: 0.07, replies: 1 }]);
    assert.ok(!JSON.stringify(theirs).includes('usage-pool-1'), 'the pool device stays the operator\'s business');
    const operators = (await api(backend.url, 'GET', '/api/usage', { token: operator.token })).body;
    assert.deepEqual(operators.total, { replies: 0 }, 'the pool\'s owner is not billed for the sender\'s reply');
    assert.equal(await metric(/^wegent_tokens_total\{kind="output",pool="cloud"\} (\S+)/m), before + 8);
  });

  it('moves the operators\' counters: tokens by kind, cost, replies with usage (no user or device label)', async () => {
    const before = {
      input: await metric(/^wegent_tokens_total\{kind="input",pool="local"\} (\S+)/m),
      cacheRead: await metric(/^wegent_tokens_total\{kind="cache_read",pool="local"\} (\S+)/m),
      cost: await metric(/^wegent_cost_usd_total\{pool="local"\} (\S+)/m),
      replies: await metric(/^wegent_usage_replies_total\{pool="local"\} (\S+)/m),
    };
    const rig = await device(alice, 'usage-rig');
    await reply(chat, rig, { input_tokens: 40, output_tokens: 2, cache_read_input_tokens: 500, total_cost_usd: 0.5 });
    await reply(chat, rig, undefined);
    assert.equal(await metric(/^wegent_tokens_total\{kind="input",pool="local"\} (\S+)/m), before.input + 40);
    assert.equal(await metric(/^wegent_tokens_total\{kind="cache_read",pool="local"\} (\S+)/m), before.cacheRead + 500);
    assert.ok(Math.abs((await metric(/^wegent_cost_usd_total\{pool="local"\} (\S+)/m)) - (before.cost + 0.5)) < 1e-9);
    assert.equal(await metric(/^wegent_usage_replies_total\{pool="local"\} (\S+)/m), before.replies + 1, 'the reply without usage is not counted');
    const text = (await api(backend.url, 'GET', '/metrics')).body as string;
    for (const line of text.split('\n').filter((l) => /^wegent_(tokens|cost_usd|usage_replies)_total/.test(l))) {
      assert.doesNotMatch(line, /user|device|usage-rig/, line);
    }
  });
});
