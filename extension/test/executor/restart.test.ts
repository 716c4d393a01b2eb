// A backend restart while a task streams: the executor keeps running the task, reconnects,
// re-registers it as running and flushes its outbox; the stored stream is whole, once, in order.
// Own stack with an online TTL (20 s) longer than a restart takes on a loaded machine, as in
// production (90 s), so the restart itself is what is tested, not the TTL.
import assert from 'node:assert/strict';
import { api } from '../../../test/support/clients';
import { waitFor } from '../../../test/support/wait';
import { reply, text } from '../../../test/support/modelServer';
import { assertSeqsInOrder, events, startStack, type Stack } from './stack';

describe('executor: backend restart mid-task', function () {
  this.timeout(150_000);
  let stack: Stack;

  before(async function () {
    this.timeout(120_000);
    stack = await startStack({ WEGENT_HEARTBEAT_INTERVAL_MS: '300', WEGENT_ONLINE_TTL_MS: '20000', WEGENT_MONITOR_INTERVAL_MS: '500' });
  });
  after(async () => stack?.stop());

  it('survives a backend restart mid-stream: the task completes and its stored stream is whole and in order', async () => {
    const executor = await stack.executor();
    const seen = new Set<string>();
    executor.on('state', (s) => seen.add(s.state));
    const words = Array.from({ length: 80 }, (_, i) => `r${i} `);
    stack.model.script('RESTART-BE', reply(text(words.join('')), { chunks: 80, chunkDelayMs: 50 }));
    const sent = await stack.chat.sendOk({ device_id: executor.snapshot().deviceId, message: 'RESTART-BE stream' });
    await waitFor(() => stack.chat.text(sent.subtask_id).length > 0, { timeout: 60_000, message: 'streaming before the restart' });
    await stack.backend.restart();
    const detail = await waitFor(
      async () => {
        const res = await api(stack.backend.url, 'GET', `/api/tasks/${sent.task_id}`, { token: stack.user.token });
        const sub = res.body?.subtasks?.find((x: { subtask_id: string }) => x.subtask_id === sent.subtask_id);
        return sub && ['completed', 'failed', 'cancelled'].includes(sub.status) ? sub : undefined;
      },
      { timeout: 90_000, message: 'task finished after the restart' },
    );
    assert.equal(detail.status, 'completed', JSON.stringify(detail.error));
    assert.ok(seen.has('offline'), `the executor lost the backend for a while (states: ${[...seen].join(', ')})`);
    assert.ok(stack.model.requestsFor('RESTART-BE').length === 1, 'the task was not run again');
    assertSeqsInOrder(detail.events);
    assert.equal(events(detail.events).map((e) => (e.type === 'text' ? e.text : '')).join(''), words.join(''));
    await executor.stop();
  });

});
