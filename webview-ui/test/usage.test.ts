// What a reply cost, as the page words it: only reported fields, sums over the conversation, compact
// numbers and enough digits for small dollar amounts, in English and 简体中文.
import assert from 'node:assert/strict';
import type { ChatDone, SubtaskView } from '@wegent/shared';
import { translator } from '../src/i18n';
import { applyDone, newTurn, turnFromSubtask, type Turn } from '../src/turns';
import { compactNumber, conversationUsage, tokensDetail, tokensText, usd } from '../src/usage';

const running = (key: string): Turn => ({ ...newTurn(key, 't1', 'd1', 'hi'), subtask_id: key, status: 'running' });
const done = (subtask_id: string, usage?: ChatDone['usage']): ChatDone => ({ task_id: 't1', subtask_id, status: 'completed', last_seq: 0, ...(usage ? { usage } : {}) });

describe('chat usage', () => {
  const en = translator('en');
  const zh = translator('zh-CN');

  it('a turn takes usage from chat:done and from the stored subtask, and has none when none was reported', () => {
    const u = { input_tokens: 10, output_tokens: 5, total_cost_usd: 0.001 };
    assert.deepEqual(applyDone(running('s1'), done('s1', u)).usage, u);
    assert.equal('usage' in applyDone(running('s2'), done('s2')), false);
    const stored: SubtaskView = {
      subtask_id: 's3', task_id: 't1', device_id: 'd1', prompt: 'p', status: 'completed', result: 'r', error: null,
      created_at: '', started_at: null, completed_at: null, last_seq: 0, events: [], usage: u,
    };
    assert.deepEqual(turnFromSubtask(stored).usage, u);
    assert.equal(turnFromSubtask({ ...stored, usage: undefined }).usage, undefined);
  });

  it('words tokens and cost only from what was reported', () => {
    assert.equal(tokensText(undefined, en, 'en'), undefined);
    assert.equal(tokensText({ total_cost_usd: 0.5 }, en, 'en'), undefined, 'cost alone: no token count made up');
    assert.equal(tokensText({ input_tokens: 1234, output_tokens: 156, cache_read_input_tokens: 8000 }, en, 'en'), '9.4K tokens');
    assert.equal(tokensDetail({ input_tokens: 1234, cache_read_input_tokens: 8000 }, en, 'en'), 'Input 1,234 · Cache read 8,000');
    assert.equal(tokensText({ output_tokens: 12_345 }, zh, 'zh-CN'), '1.2万 个 token');
    assert.equal(tokensDetail({ output_tokens: 7 }, zh, 'zh-CN'), '输出 7');
  });

  it('shows small costs with enough digits and large ones in cents', () => {
    assert.equal(usd(0, 'en'), '$0.00');
    assert.equal(usd(0.00088, 'en'), '$0.00088');
    assert.equal(usd(0.0123, 'en'), '$0.012');
    assert.equal(usd(0.31, 'en'), '$0.31');
    assert.equal(usd(12.4, 'en'), '$12.40');
    assert.equal(usd(0.5, 'zh-CN'), 'US$0.50');
    assert.equal(compactNumber(980, 'en'), '980');
  });

  it('adds up a conversation over the replies that reported usage; a field none reported stays absent', () => {
    const turns = [
      applyDone(running('a'), done('a', { input_tokens: 100, output_tokens: 10, total_cost_usd: 0.1 })),
      applyDone(running('b'), done('b')),
      applyDone(running('c'), done('c', { input_tokens: 200, output_tokens: 20, total_cost_usd: 0.2 })),
      running('d'),
    ];
    assert.deepEqual(conversationUsage(turns), { replies: 2, usage: { input_tokens: 300, output_tokens: 30, total_cost_usd: 0.3 } });
    assert.equal(conversationUsage([running('x')]), undefined);
  });
});
