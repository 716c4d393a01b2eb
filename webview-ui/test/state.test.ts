// The chat store's rules: streams applied once and in order, pushes matched to the right turn,
// the default device pre-selected, live device updates.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ChatChunk, DeviceView, TaskDetail, TaskEvent } from '@wegent/shared';
import {
  applyChunk,
  effectiveDeviceId,
  hasGap,
  initialState,
  liveTurns,
  reduce,
  stoppableTurn,
  type Action,
  type State,
  type Turn,
} from '../src/state';

const device = (id: string, over: Partial<DeviceView> = {}): DeviceView => ({
  device_id: id, name: `Linux - ${id}`, status: 'online', slots_used: 0, max_slots: 5, is_default: false,
  last_seen_at: null, executor_version: '0.1.0', mode: 'local', ...over,
});
const text = (t: string): TaskEvent => ({ type: 'text', text: t });
const chunk = (seq: number, subtask_id = 's1', task_id = 't1'): ChatChunk => ({ task_id, subtask_id, seq, events: [text(`<${seq}>`)] });
const run = (actions: Action[], from: State = initialState) => actions.reduce(reduce, from);

/** A conversation with one sent-and-acked running turn s1 in task t1. */
const running = () =>
  run([
    { type: 'sendStarted', key: 'k1', prompt: 'hello', device_id: 'cloud' },
    { type: 'sendAcked', key: 'k1', ack: { task_id: 't1', subtask_id: 's1', status: 'running' } },
  ]);
const turn = (s: State, i = 0): Turn => s.turns[i];

describe('chat state: streams', () => {
  it('applies chunks in order and each seq once', () => {
    const s = run([{ type: 'chunk', event: chunk(1) }, { type: 'chunk', event: chunk(2) }, { type: 'chunk', event: chunk(2) }, { type: 'chunk', event: chunk(1) }], running());
    assert.deepEqual(turn(s).events, [text('<1>'), text('<2>')]);
    assert.equal(turn(s).last_seq, 2);
  });

  it('does not apply a chunk past a gap, and reports the gap so the controller resumes', () => {
    const s = run([{ type: 'chunk', event: chunk(1) }], running());
    assert.equal(hasGap(turn(s), chunk(3)), true);
    assert.equal(hasGap(turn(s), chunk(2)), false);
    const after = reduce(s, { type: 'chunk', event: chunk(3) });
    assert.equal(turn(after).last_seq, 1);
  });

  it('property: any delivery (lost, duplicated, reordered) plus a resume yields every event exactly once, in order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.array(fc.nat(40), { maxLength: 80 }), (n, deliveries) => {
        let t = turn(running());
        for (const d of deliveries) if (d >= 1 && d <= n && !hasGap(t, chunk(d))) t = applyChunk(t, chunk(d));
        // chat:resume answers everything after last_seq, in order.
        for (let seq = t.last_seq + 1; seq <= n; seq++) t = applyChunk(t, chunk(seq));
        assert.deepEqual(t.events, Array.from({ length: n }, (_, i) => text(`<${i + 1}>`)));
      }),
    );
  });

  it('a first chunk moves a queued turn to running; done records status and error', () => {
    let s = run([
      { type: 'sendStarted', key: 'k1', prompt: 'hi', device_id: 'd1' },
      { type: 'sendAcked', key: 'k1', ack: { task_id: 't1', subtask_id: 's1', status: 'queued', queue_position: 1 } },
    ]);
    assert.equal(turn(s).status, 'queued');
    assert.equal(turn(s).queue_position, 1);
    s = reduce(s, { type: 'chunk', event: chunk(1) });
    assert.equal(turn(s).status, 'running');
    s = reduce(s, { type: 'done', event: { task_id: 't1', subtask_id: 's1', status: 'failed', last_seq: 1, error: { code: 'DEVICE_OFFLINE', message: 'gone' } } });
    assert.equal(turn(s).status, 'failed');
    assert.deepEqual(turn(s).error, { code: 'DEVICE_OFFLINE', message: 'gone' });
    assert.deepEqual(liveTurns(s), []);
  });

  it('chat:status moves the queue position and never reopens a finished turn', () => {
    let s = run([
      { type: 'sendStarted', key: 'k1', prompt: 'hi', device_id: 'd1' },
      { type: 'sendAcked', key: 'k1', ack: { task_id: 't1', subtask_id: 's1', status: 'queued', queue_position: 2 } },
      { type: 'chatStatus', event: { task_id: 't1', subtask_id: 's1', device_id: 'd1', status: 'queued', queue_position: 1 } },
    ]);
    assert.equal(turn(s).queue_position, 1);
    s = run([
      { type: 'done', event: { task_id: 't1', subtask_id: 's1', status: 'cancelled', last_seq: 0 } },
      { type: 'chatStatus', event: { task_id: 't1', subtask_id: 's1', device_id: 'd1', status: 'running' } },
    ], s);
    assert.equal(turn(s).status, 'cancelled');
  });
});

describe('chat state: matching pushes to turns', () => {
  it('adopts our own waiting turn when chat:start overtakes the ack, without a duplicate', () => {
    const s = run([
      { type: 'sendStarted', key: 'k1', prompt: 'hello', device_id: 'cloud' },
      { type: 'chatStart', event: { task_id: 't1', subtask_id: 's1', device_id: 'cloud', status: 'running', prompt: 'hello' } },
      { type: 'chunk', event: chunk(1) },
      { type: 'sendAcked', key: 'k1', ack: { task_id: 't1', subtask_id: 's1', status: 'queued', queue_position: 1 } },
    ]);
    assert.equal(s.turns.length, 1);
    assert.equal(s.taskId, 't1');
    assert.equal(turn(s).status, 'running', 'a late ack must not move the turn back to queued');
    assert.equal(turn(s).last_seq, 1);
  });

  it('adds a message sent to this conversation from another window', () => {
    const s = reduce(running(), { type: 'chatStart', event: { task_id: 't1', subtask_id: 's2', device_id: 'cloud', status: 'queued', prompt: 'from elsewhere' } });
    assert.equal(s.turns.length, 2);
    assert.equal(turn(s, 1).prompt, 'from elsewhere');
    assert.equal(turn(s, 1).subtask_id, 's2');
  });

  it('ignores streams of other conversations but updates their status in the history list', () => {
    let s = run([{ type: 'historyLoaded', tasks: [{ task_id: 't9', title: 'x', device_id: 'cloud', status: 'running', session_id: null, created_at: '', updated_at: '' }] }], running());
    s = run([
      { type: 'chatStart', event: { task_id: 't9', subtask_id: 's9', device_id: 'cloud', status: 'running' } },
      { type: 'chunk', event: chunk(1, 's9', 't9') },
      { type: 'done', event: { task_id: 't9', subtask_id: 's9', status: 'completed', last_seq: 1 } },
    ], s);
    assert.equal(s.turns.length, 1);
    assert.deepEqual(turn(s).events, []);
    assert.equal(s.history[0].status, 'completed');
  });

  it('a failed send marks the turn failed with the error', () => {
    const s = run([
      { type: 'sendStarted', key: 'k1', prompt: 'hi', device_id: 'd1' },
      { type: 'sendFailed', key: 'k1', error: { code: 'DEVICE_OFFLINE', message: 'The device is offline.' } },
    ]);
    assert.equal(turn(s).status, 'failed');
    assert.equal(turn(s).error?.code, 'DEVICE_OFFLINE');
  });

  it('rebuilds a reopened conversation from its stored events, sorted and de-duplicated', () => {
    const task: TaskDetail = {
      task_id: 't1', title: 'hello', device_id: 'd1', status: 'running', session_id: 'x', created_at: '', updated_at: '',
      subtasks: [
        { subtask_id: 's1', task_id: 't1', device_id: 'd1', prompt: 'one', status: 'completed', result: 'ok', error: null, created_at: '', started_at: null, completed_at: null, last_seq: 2, events: [chunk(2), chunk(1)] },
        { subtask_id: 's2', task_id: 't1', device_id: 'd2', prompt: 'two', status: 'running', result: null, error: null, created_at: '', started_at: null, completed_at: null, last_seq: 1, events: [chunk(1, 's2'), chunk(1, 's2')] },
      ],
    };
    const s = reduce(initialState, { type: 'conversationLoaded', task });
    assert.equal(s.taskId, 't1');
    assert.deepEqual(turn(s, 0).events, [text('<1>'), text('<2>')]);
    assert.equal(turn(s, 0).status, 'completed');
    assert.equal(turn(s, 1).last_seq, 1);
    assert.equal(turn(s, 1).events.length, 1);
    assert.deepEqual(liveTurns(s).map((t) => t.subtask_id), ['s2']);
    assert.equal(s.pickedDeviceId, 'd2', 'continuing a conversation stays on its last device');
  });
});

describe('chat state: devices and the picker', () => {
  it('pre-selects the default device and keeps it when it goes offline (never a silent switch)', () => {
    let s = reduce(initialState, { type: 'devicesLoaded', devices: [device('a'), device('b', { is_default: true })], cloud: { available: true, executors: 1 } });
    assert.equal(effectiveDeviceId(s), 'b');
    s = reduce(s, { type: 'deviceStatus', event: { device_id: 'b', name: 'Linux - b', status: 'offline', slots_used: 0, max_slots: 5 } });
    assert.equal(effectiveDeviceId(s), 'b', 'the default stays chosen, offline (the composer says so)');
    s = reduce(s, { type: 'defaultChanged', device_id: null });
    assert.equal(effectiveDeviceId(s), 'cloud', 'no default: Cloud, whose pool has executors');
  });

  it('without a default: Cloud only when its pool has executors, else the only online device', () => {
    let s = reduce(initialState, { type: 'devicesLoaded', devices: [device('a'), device('off', { status: 'offline' })], cloud: { available: false, executors: 0 } });
    assert.equal(effectiveDeviceId(s), 'a', 'the only online device');
    s = reduce(s, { type: 'devicesLoaded', devices: [device('a'), device('b')], cloud: { available: false, executors: 0 } });
    assert.equal(effectiveDeviceId(s), 'cloud', 'two online devices: no guess, Cloud shown unavailable');
    s = reduce(s, { type: 'init', info: { host: 'vscode', locale: 'en', backend_url: 'http://x', signed_in: true, local_device_id: 'b' } });
    assert.equal(effectiveDeviceId(s), 'b', "in VS Code: this window's device");
    s = reduce(s, { type: 'devicesLoaded', devices: [device('a'), device('b')], cloud: { available: true, executors: 2 } });
    assert.equal(effectiveDeviceId(s), 'cloud', 'a pool with executors comes before this window');
  });

  it('a send refused with CLOUD_UNAVAILABLE marks Cloud unavailable; a sent message keeps its device', () => {
    let s = reduce(initialState, { type: 'devicesLoaded', devices: [device('a'), device('b')], cloud: { available: true, executors: 1 } });
    s = reduce(s, { type: 'sendStarted', key: 'k1', prompt: 'x', device_id: 'cloud' });
    s = reduce(s, { type: 'sendFailed', key: 'k1', error: { code: 'CLOUD_UNAVAILABLE', message: 'none' } });
    assert.deepEqual(s.cloud, { available: false, executors: 0 });
    assert.equal(s.pickedDeviceId, 'cloud', 'the conversation stays on what the user sent to');
    s = reduce(s, { type: 'newConversation' });
    s = reduce(s, { type: 'defaultChanged', device_id: 'a' });
    s = reduce(s, { type: 'sendStarted', key: 'k2', prompt: 'y', device_id: effectiveDeviceId(s) });
    s = reduce(s, { type: 'defaultChanged', device_id: 'b' });
    assert.equal(effectiveDeviceId(s), 'a', 'a new default does not move a conversation under way');
  });

  it('keeps the choice per conversation; a new conversation goes back to the default', () => {
    let s = reduce(initialState, { type: 'devicesLoaded', devices: [device('a'), device('b', { is_default: true })] });
    s = reduce(s, { type: 'pickDevice', device_id: 'a' });
    assert.equal(effectiveDeviceId(s), 'a');
    s = reduce(s, { type: 'pickDevice', device_id: 'cloud' });
    assert.equal(effectiveDeviceId(s), 'cloud');
    s = reduce(s, { type: 'newConversation' });
    assert.equal(effectiveDeviceId(s), 'b');
  });

  it('live device:status updates slots and status, adds new devices, removes deleted ones', () => {
    let s = run([{ type: 'devicesLoaded', devices: [device('a')] }, { type: 'pickDevice', device_id: 'a' }]);
    s = reduce(s, { type: 'deviceStatus', event: { device_id: 'a', name: 'Linux - a', status: 'busy', slots_used: 5, max_slots: 5 } });
    assert.deepEqual([s.devices[0].status, s.devices[0].slots_used], ['busy', 5]);
    s = reduce(s, { type: 'deviceStatus', event: { device_id: 'n', name: 'Darwin - new', status: 'online', slots_used: 0, max_slots: 3 } });
    assert.deepEqual(s.devices.map((d) => d.device_id).sort(), ['a', 'n']);
    s = reduce(s, { type: 'deviceStatus', event: { device_id: 'a', name: 'Linux - a', status: 'offline', slots_used: 0, max_slots: 5, deleted: true } });
    assert.deepEqual(s.devices.map((d) => d.device_id), ['n']);
    assert.equal(s.pickedDeviceId, null, 'a deleted device is no longer chosen');
    assert.equal(effectiveDeviceId(s), 'n', 'the only online device');
  });

  it('a late offline push does not bring a deleted device back; coming back online (re-registration) does', () => {
    let s = reduce(initialState, { type: 'devicesLoaded', devices: [device('gone')] });
    s = reduce(s, { type: 'deviceDeleted', device_id: 'gone' });
    s = reduce(s, { type: 'deviceStatus', event: { device_id: 'gone', name: 'Linux - gone', status: 'offline', slots_used: 0, max_slots: 5 } });
    assert.deepEqual(s.devices, []);
    s = reduce(s, { type: 'deviceStatus', event: { device_id: 'gone', name: 'Linux - gone', status: 'online', slots_used: 0, max_slots: 5 } });
    assert.deepEqual(s.devices.map((d) => [d.device_id, d.status]), [['gone', 'online']]);
    s = reduce(s, { type: 'deviceStatus', event: { device_id: 'gone', name: 'Linux - gone', status: 'offline', slots_used: 0, max_slots: 5 } });
    assert.deepEqual(s.devices.map((d) => [d.device_id, d.status]), [['gone', 'offline']], 'once listed again it is tracked as usual');
  });

  it('holds one default at most, and lists the default first, then reachable, then offline', () => {
    let s = reduce(initialState, { type: 'devicesLoaded', devices: [device('z', { status: 'offline' }), device('m', { status: 'busy' }), device('a'), device('d', { is_default: true })] });
    assert.deepEqual(s.devices.map((d) => d.device_id), ['d', 'a', 'm', 'z']);
    s = reduce(s, { type: 'deviceStatus', event: { device_id: 'm', name: 'Linux - m', status: 'busy', slots_used: 5, max_slots: 5, is_default: true } });
    assert.deepEqual(s.devices.filter((d) => d.is_default).map((d) => d.device_id), ['m']);
    s = reduce(s, { type: 'defaultChanged', device_id: 'a' });
    assert.deepEqual(s.devices.filter((d) => d.is_default).map((d) => d.device_id), ['a']);
  });
});

describe('chat state: composition', () => {
  it('returns the same state object when an action changes nothing (the controller then skips re-rendering)', () => {
    const s = run([{ type: 'chunk', event: chunk(1) }], running());
    assert.equal(reduce(s, { type: 'chunk', event: chunk(1) }), s);
    assert.equal(reduce(s, { type: 'chunk', event: chunk(1, 'unknown-subtask') }), s);
    assert.equal(reduce(s, { type: 'chatStatus', event: { task_id: 't1', subtask_id: 'nope', device_id: 'd', status: 'running' } }), s);
  });

  it('reset forgets the account: devices, conversation, history, notice — but keeps the host info', () => {
    let s = run([
      { type: 'init', info: { host: 'browser', locale: 'en', backend_url: 'http://x', signed_in: true } },
      { type: 'devicesLoaded', devices: [device('a', { is_default: true })] },
      { type: 'deviceDeleted', device_id: 'b' },
      { type: 'historyLoaded', tasks: [{ task_id: 't1', title: 'x', device_id: 'a', status: 'running', session_id: null, created_at: '', updated_at: '' }] },
      { type: 'notice', notice: { kind: 'error', text: 'x' } },
    ], running());
    s = reduce(s, { type: 'reset' });
    assert.deepEqual({ ...s, info: null, connectionMessage: undefined, composerKey: 0 }, { ...initialState, connectionMessage: undefined });
    assert.notEqual(s.composerKey, initialState.composerKey, 'the composer starts empty for the next account');
    assert.equal(s.info?.backend_url, 'http://x');
  });
});

describe('chat state: a turn from send to its end', () => {
  const detail = (subtasks: TaskDetail['subtasks']): TaskDetail => ({
    task_id: 't1', title: 'hello', device_id: 'cloud', status: 'completed', session_id: null, created_at: '2026-12-01T10:00:00.000Z', updated_at: '', subtasks,
  });
  const stored = { subtask_id: 's1', task_id: 't1', device_id: 'cloud', prompt: 'hello', status: 'completed' as const, result: 'ok', error: null,
    created_at: '2026-12-01T10:00:00.000Z', started_at: '2026-12-01T10:00:01.000Z', completed_at: '2026-12-01T10:00:43.500Z', last_seq: 0, events: [] };

  it('says "Stopping…" from Stop until the end arrives, and drops it if the stop was refused', () => {
    let s = reduce(running(), { type: 'stopping', subtask_id: 's1', on: true });
    assert.equal(turn(s).stopping, true);
    assert.equal(reduce(s, { type: 'stopping', subtask_id: 's1', on: false }).turns[0].stopping, undefined);
    s = reduce(s, { type: 'done', event: { task_id: 't1', subtask_id: 's1', status: 'cancelled', last_seq: 0 } });
    assert.deepEqual([turn(s).status, turn(s).stopping], ['cancelled', undefined]);
  });

  it('stamps when a turn was sent, started and ended (live, or as stored)', () => {
    let s = run([
      { type: 'sendStarted', key: 'k1', prompt: 'hello', device_id: 'cloud', at: '2026-12-01T10:00:00.000Z' },
      { type: 'sendAcked', key: 'k1', ack: { task_id: 't1', subtask_id: 's1', status: 'running' } },
      { type: 'chunk', event: chunk(1), at: '2026-12-01T10:00:02.000Z' },
      { type: 'chunk', event: chunk(2), at: '2026-12-01T10:00:03.000Z' },
      { type: 'done', event: { task_id: 't1', subtask_id: 's1', status: 'completed', last_seq: 2 }, at: '2026-12-01T10:00:09.000Z' },
    ]);
    assert.deepEqual([turn(s).sent_at, turn(s).started_at, turn(s).finished_at], ['2026-12-01T10:00:00.000Z', '2026-12-01T10:00:02.000Z', '2026-12-01T10:00:09.000Z']);
    s = reduce(s, { type: 'conversationLoaded', task: detail([stored]) });
    assert.deepEqual([turn(s).sent_at, turn(s).started_at, turn(s).finished_at], [stored.created_at, stored.started_at, stored.completed_at]);
  });

  it('keeps a refused message with its conversation: reopened, it is still there, in its place; a retry replaces it', () => {
    let s = reduce(initialState, { type: 'conversationLoaded', task: detail([stored]) });
    s = run([
      { type: 'sendStarted', key: 'k2', prompt: 'again, on Cloud', device_id: 'cloud', at: '2026-12-01T10:05:00.000Z' },
      { type: 'sendFailed', key: 'k2', error: { code: 'CLOUD_UNAVAILABLE', message: 'No cloud executor is online right now.' } },
      { type: 'newConversation' },
    ], s);
    assert.deepEqual(s.turns, []);
    s = reduce(s, { type: 'conversationLoaded', task: detail([stored]) });
    assert.deepEqual(s.turns.map((t) => [t.prompt, t.status, t.error?.code]), [['hello', 'completed', undefined], ['again, on Cloud', 'failed', 'CLOUD_UNAVAILABLE']]);
    s = reduce(s, { type: 'dropTurn', key: 'k2' });
    assert.deepEqual(s.turns.map((t) => t.prompt), ['hello']);
    assert.deepEqual(s.unsent, {}, 'a retried message is not remembered twice');
  });

  it('a new conversation gives the composer a fresh start', () => {
    const s = reduce(running(), { type: 'newConversation' });
    assert.notEqual(s.composerKey, running().composerKey);
  });

  it('a follow-up sent while the reply runs is queued behind it: Stop stays with the running reply; it runs when its turn comes', () => {
    let s = run([
      { type: 'sendStarted', key: 'k2', prompt: 'and then?', device_id: 'cloud', model: 'opus' },
      { type: 'sendAcked', key: 'k2', ack: { task_id: 't1', subtask_id: 's2', status: 'queued', after_subtask_id: 's1' } },
    ], running());
    assert.deepEqual([turn(s, 1).status, turn(s, 1).after_subtask_id, turn(s, 1).queue_position, turn(s, 1).model], ['queued', 's1', undefined, 'opus']);
    assert.equal(stoppableTurn(s)?.subtask_id, 's1');
    s = run([
      { type: 'done', event: { task_id: 't1', subtask_id: 's1', status: 'failed', last_seq: 0, error: { code: 'MODEL_ERROR', message: 'The model API failed.' } } },
      { type: 'chatStatus', event: { task_id: 't1', subtask_id: 's2', device_id: 'cloud', status: 'running' } },
    ], s);
    assert.deepEqual([turn(s, 1).status, turn(s, 1).after_subtask_id], ['running', undefined]);
    assert.equal(stoppableTurn(s)?.subtask_id, 's2');
  });

  it('a reopened conversation shows a queued turn behind the one still running as waiting for it', () => {
    const s = reduce(initialState, { type: 'conversationLoaded', task: detail([
      { ...stored, status: 'running', completed_at: null },
      { ...stored, subtask_id: 's2', prompt: 'next', status: 'queued', started_at: null, completed_at: null, model: 'haiku' },
    ]) });
    assert.equal(turn(s, 1).after_subtask_id, 's1');
    assert.equal(s.composerModel, 'haiku', 'the conversation\'s last model choice');
  });

  it('the model choice is kept with the conversation; a new conversation starts at Default', () => {
    let s = reduce(running(), { type: 'setComposerModel', model: 'sonnet' });
    assert.equal(s.composerModel, 'sonnet');
    s = reduce(s, { type: 'newConversation' });
    assert.equal(s.composerModel, null);
    s = reduce(s, { type: 'conversationLoaded', task: detail([stored]) });
    assert.equal(s.composerModel, null, 'a conversation that never chose one is at Default');
  });
});
