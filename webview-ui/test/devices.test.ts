// The device slice alone: the picker's order, live updates that keep what the push does not carry,
// a bounded memory of deletions, and where the next message goes.
import assert from 'node:assert/strict';
import type { DeviceView } from '@wegent/shared';
import {
  applyDeviceStatus, displayStatus, effectiveDeviceId, initialDevices, loadDevices, removeDevice, setDefault, sortDevices, type DeviceSlice,
} from '../src/devices';

const device = (id: string, over: Partial<DeviceView> = {}): DeviceView => ({
  device_id: id, name: `Linux - ${id}`, status: 'online', slots_used: 0, max_slots: 5, is_default: false,
  last_seen_at: '2026-12-01T10:00:00.000Z', executor_version: '0.1.0', mode: 'local', ...over,
});
const slice = (devices: DeviceView[], over: Partial<DeviceSlice> = {}): DeviceSlice => ({ ...loadDevices(initialDevices, devices), ...over });

describe('chat devices', () => {
  it('orders default, then online, busy, offline, then by name and id — whatever order they came in', () => {
    const list = [device('b2', { name: 'same' }), device('off', { status: 'offline' }), device('b1', { name: 'same' }), device('busy', { status: 'busy' }), device('def', { is_default: true, status: 'offline' })];
    assert.deepEqual(sortDevices(list).map((d) => d.device_id), ['def', 'b1', 'b2', 'busy', 'off']);
    assert.deepEqual(sortDevices([...list].reverse()).map((d) => d.device_id), ['def', 'b1', 'b2', 'busy', 'off']);
  });

  it('a status push updates what it carries and keeps what it does not (version, mode, last seen)', () => {
    const s = applyDeviceStatus(slice([device('a', { executor_version: '9.9', mode: 'cloud' })]), { device_id: 'a', name: 'renamed', status: 'busy', slots_used: 2, max_slots: 2 });
    assert.deepEqual(s.devices[0], device('a', { name: 'renamed', status: 'busy', slots_used: 2, max_slots: 2, executor_version: '9.9', mode: 'cloud' }));
  });

  it('a device whose executor lost its connection shows as "lost" (never online) until a push says it is back', () => {
    const lostAt = { disconnected_at: '2026-12-01T10:00:05.000Z', offline_at: '2026-12-01T10:01:35.000Z' };
    const lost = applyDeviceStatus(slice([device('a', { status: 'busy', slots_used: 1 })]), { device_id: 'a', name: 'Linux - a', status: 'online', slots_used: 1, max_slots: 5, ...lostAt });
    assert.equal(displayStatus(lost.devices[0]), 'lost');
    assert.equal(lost.devices[0].offline_at, lostAt.offline_at);
    const back = applyDeviceStatus(lost, { device_id: 'a', name: 'Linux - a', status: 'online', slots_used: 1, max_slots: 5 });
    assert.equal(displayStatus(back.devices[0]), 'online');
    assert.equal(back.devices[0].disconnected_at, undefined);
    const gone = applyDeviceStatus(lost, { device_id: 'a', name: 'Linux - a', status: 'offline', slots_used: 0, max_slots: 5 });
    assert.equal(displayStatus(gone.devices[0]), 'offline');
  });

  it('setDefault leaves exactly one default, or none', () => {
    const s = slice([device('a', { is_default: true }), device('b')]);
    assert.deepEqual(setDefault(s, 'b').devices.filter((d) => d.is_default).map((d) => d.device_id), ['b']);
    assert.deepEqual(setDefault(s, null).devices.filter((d) => d.is_default), []);
  });

  it('remembers the last 100 deletions, each once', () => {
    let s = slice([]);
    for (let i = 0; i < 150; i++) s = removeDevice(s, `d${i}`);
    s = removeDevice(s, 'd149');
    assert.equal(s.deletedDeviceIds.length, 100);
    assert.equal(s.deletedDeviceIds[0], 'd50');
    assert.equal(s.deletedDeviceIds.at(-1), 'd149');
  });

  it('sends to the picked device while it exists, else to the default (even offline), else to Cloud', () => {
    const s = slice([device('a'), device('d', { is_default: true })], { pickedDeviceId: 'a' });
    assert.equal(effectiveDeviceId(s), 'a');
    assert.equal(effectiveDeviceId({ ...s, pickedDeviceId: 'vanished' }), 'd');
    assert.equal(effectiveDeviceId({ ...s, pickedDeviceId: null, devices: [device('d', { is_default: true, status: 'busy' })] }), 'd', 'busy still queues');
    assert.equal(effectiveDeviceId({ ...s, pickedDeviceId: null, devices: [device('d', { is_default: true, status: 'offline' })] }), 'd', 'no silent switch');
    assert.equal(effectiveDeviceId({ ...s, pickedDeviceId: null, devices: [device('x'), device('y')] }), 'cloud', 'pool unknown, no single device');
    assert.equal(effectiveDeviceId({ ...s, pickedDeviceId: 'cloud' }), 'cloud');
  });
});
