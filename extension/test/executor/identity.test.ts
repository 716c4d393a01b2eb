// Device identity (S15) on the real file system: stable across restarts, cached owner-only, never the
// raw hardware id, falls back when no hardware id is available, name is "<OS type> - <hostname>".
import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDeviceIdentity } from '../../src/executor/identity';
import { removeTempDirs, tempDir } from './tmp';

describe('executor: device identity', () => {
  after(removeTempDirs);

  it('creates the id once, caches it owner-only and returns the same id on every restart', async () => {
    const dataDir = path.join(tempDir('id'), 'nested', '.wegent-executor');
    const first = await loadDeviceIdentity({ dataDir });
    assert.match(first.deviceId, /^[A-Za-z0-9._:-]{1,128}$/);
    const file = path.join(dataDir, 'device_id');
    assert.equal(readFileSync(file, 'utf8').trim(), first.deviceId);
    if (process.platform !== 'win32') {
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.equal(statSync(dataDir).mode & 0o777, 0o700);
    }
    const second = await loadDeviceIdentity({ dataDir });
    assert.equal(second.deviceId, first.deviceId);
    assert.equal(second.source, 'cache');
  });

  it('derives the same id from the hardware id after the cache is lost, without exposing the raw id', async () => {
    const dataDir = tempDir('id');
    const hardwareId = async () => 'RAW-HARDWARE-UUID-1234';
    const a = await loadDeviceIdentity({ dataDir, hardwareId });
    assert.equal(a.source, 'hardware');
    assert.ok(!a.deviceId.includes('RAW-HARDWARE'), 'the raw hardware id is hashed');
    rmSync(path.join(dataDir, 'device_id'));
    const b = await loadDeviceIdentity({ dataDir, hardwareId });
    assert.equal(b.deviceId, a.deviceId);
    const other = await loadDeviceIdentity({ dataDir: tempDir('id'), hardwareId: async () => 'ANOTHER-MACHINE' });
    assert.notEqual(other.deviceId, a.deviceId, 'machines with the same hostname are told apart');
  });

  it('replaces a corrupt cache and falls back to MAC or random without a hardware id', async () => {
    const dataDir = tempDir('id');
    writeFileSync(path.join(dataDir, 'device_id'), 'not a valid id / with spaces\n');
    const id = await loadDeviceIdentity({ dataDir, hardwareId: async () => undefined });
    assert.ok(id.source === 'mac' || id.source === 'random');
    assert.equal(readFileSync(path.join(dataDir, 'device_id'), 'utf8').trim(), id.deviceId);
  });

  it('names the device "<OS type> - <hostname>" unless overridden', async () => {
    const dataDir = tempDir('id');
    assert.equal((await loadDeviceIdentity({ dataDir })).deviceName, `${os.type()} - ${os.hostname()}`);
    assert.equal((await loadDeviceIdentity({ dataDir, deviceName: 'Build box' })).deviceName, 'Build box');
  });

  it('reads the real hardware id through node-machine-id on this machine', async () => {
    const id = await loadDeviceIdentity({ dataDir: tempDir('id') });
    assert.ok(['hardware', 'mac', 'random'].includes(id.source));
  });
});
