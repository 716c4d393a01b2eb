// "Wegent: Show Device Info" wording (deviceInfo.ts): what a user reads, or pastes into a question.
import * as assert from 'node:assert/strict';
import type { ExecutorSnapshot } from '../../src/executor/api';
import { deviceInfo } from '../../src/vscode/deviceInfo';

const snap = (over: Partial<ExecutorSnapshot>): ExecutorSnapshot => ({
  state: 'online', deviceId: 'dev-1', deviceName: 'Linux - box', backendUrl: 'http://b:8080', slotsUsed: 0, maxSlots: 5, running: [], waitingApprovals: [], ...over,
});

describe('device info', () => {
  it('says how to connect when no device runs', () => {
    for (const snapshot of [undefined, snap({ state: 'disconnected' })]) {
      const info = deviceInfo({ snapshot, backendUrl: 'http://settings:8080' });
      assert.match(info.summary, /not connected.*http:\/\/settings:8080/);
      assert.ok(info.lines.some((l) => l.includes('Wegent: Connect Device')));
    }
  });

  it('names the device, its backend, slots, folder and running tasks', () => {
    const long = `Refactor ${'the parser '.repeat(20)}\nplease`;
    const info = deviceInfo({
      snapshot: snap({ state: 'busy', slotsUsed: 5, running: [{ subtaskId: 'st-9', taskId: 't-1', prompt: long, startedAt: '2026-01-01T00:00:00Z' }] }),
      backendUrl: 'http://ignored',
      workspace: '/home/me/project',
    });
    assert.equal(info.summary, 'Wegent: "Linux - box" is busy, 5/5 slots in use, on http://b:8080.');
    assert.deepEqual(info.lines.slice(0, 6), ['Device: Linux - box', 'Device id: dev-1', 'Backend: http://b:8080', 'State: busy', 'Slots in use: 5/5', 'Tasks run in: /home/me/project']);
    const task = info.lines.at(-1)!;
    assert.match(task, /^ {2}st-9 since 2026-01-01T00:00:00Z: Refactor the parser/);
    assert.ok(task.length < 140 && !task.includes('\n'), 'the prompt is one short line');
  });

  it('shows why a device stopped', () => {
    const info = deviceInfo({ snapshot: snap({ state: 'error', error: { code: 'AUTH_EXPIRED', message: 'Your API token has expired.' } }), backendUrl: 'x' });
    assert.ok(info.lines.includes('State: error (AUTH_EXPIRED: Your API token has expired.)'));
  });
});
