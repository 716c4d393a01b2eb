// Device identity (S15, issue 15) on the real file system: one device per folder served, stable
// across restarts and lost caches, cached owner-only, never the raw hardware id nor the raw path; the
// pre-upgrade machine-wide id goes to exactly one folder; names tell the folders apart.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDeviceIdentity } from '../../src/executor/identity';
import { removeTempDirs, tempDir } from './tmp';

const hardwareId = async () => 'RAW-HARDWARE-UUID-1234';

describe('executor: device identity', () => {
  after(removeTempDirs);

  it('creates a folder\'s id once, caches it owner-only and returns the same id on every restart', async () => {
    const dataDir = path.join(tempDir('id'), 'nested', '.wegent-executor');
    const workspace = tempDir('ws');
    const first = await loadDeviceIdentity({ dataDir, workspace });
    assert.match(first.deviceId, /^[A-Za-z0-9._:-]{1,128}$/);
    const [file] = readdirSync(path.join(dataDir, 'devices'));
    assert.ok(file && !file.includes(path.basename(workspace)), 'the cache file is named by a hash, not the path');
    const cacheFile = path.join(dataDir, 'devices', file);
    assert.equal(readFileSync(cacheFile, 'utf8').trim(), first.deviceId);
    if (process.platform !== 'win32') {
      assert.equal(statSync(cacheFile).mode & 0o777, 0o600);
      assert.equal(statSync(dataDir).mode & 0o777, 0o700);
    }
    const second = await loadDeviceIdentity({ dataDir, workspace });
    assert.deepEqual([second.deviceId, second.source], [first.deviceId, 'cache']);
  });

  it('gives every folder on a machine its own id, derived again from hardware + folder when the cache is lost', async () => {
    const dataDir = tempDir('id');
    const [a, b] = [tempDir('ws'), tempDir('ws')];
    const idA = await loadDeviceIdentity({ dataDir, workspace: a, hardwareId });
    const idB = await loadDeviceIdentity({ dataDir, workspace: b, hardwareId });
    assert.equal(idA.source, 'hardware');
    assert.notEqual(idA.deviceId, idB.deviceId, 'two folders, two devices');
    for (const raw of ['RAW-HARDWARE', path.basename(a)]) assert.ok(!idA.deviceId.includes(raw), `${raw} is hashed, never sent raw`);
    // A fresh data dir (or a deleted cache) on the same machine and folder: the same device again.
    const again = await loadDeviceIdentity({ dataDir: tempDir('id'), workspace: a, hardwareId });
    assert.deepEqual([again.deviceId, again.source], [idA.deviceId, 'hardware']);
    // The same folder through a symlink or a trailing slash is the same folder.
    const link = path.join(tempDir('link'), 'alias');
    symlinkSync(a, link);
    assert.equal((await loadDeviceIdentity({ dataDir: tempDir('id'), workspace: `${link}/`, hardwareId })).deviceId, idA.deviceId);
    const otherMachine = await loadDeviceIdentity({ dataDir: tempDir('id'), workspace: a, hardwareId: async () => 'ANOTHER-MACHINE' });
    assert.notEqual(otherMachine.deviceId, idA.deviceId, 'machines with the same hostname are told apart');
  });

  it('upgrade: the first folder to start keeps the machine-wide id of earlier versions, every other folder gets its own', async () => {
    const dataDir = tempDir('id');
    writeFileSync(path.join(dataDir, 'device_id'), 'legacy-device-id-0001\n');
    const [a, b] = [tempDir('ws'), tempDir('ws')];
    // Two windows starting at the same moment: exactly one of them gets the old id.
    const [first, second] = await Promise.all([loadDeviceIdentity({ dataDir, workspace: a, hardwareId }), loadDeviceIdentity({ dataDir, workspace: b, hardwareId })]);
    const winners = [first, second].filter((id) => id.deviceId === 'legacy-device-id-0001');
    assert.equal(winners.length, 1, 'one folder keeps the old id');
    assert.equal(winners[0]!.source, 'legacy');
    assert.notEqual(first.deviceId, second.deviceId);
    // It stays that folder's, even after its own cache file is lost.
    const owner = winners[0] === first ? a : b;
    for (const f of readdirSync(path.join(dataDir, 'devices'))) if (f !== 'legacy-owner') rmSync(path.join(dataDir, 'devices', f));
    assert.equal((await loadDeviceIdentity({ dataDir, workspace: owner, hardwareId })).deviceId, 'legacy-device-id-0001');
    assert.notEqual((await loadDeviceIdentity({ dataDir, workspace: owner === a ? b : a, hardwareId })).deviceId, 'legacy-device-id-0001');
  });

  it('replaces a corrupt cache and falls back to MAC or random without a hardware id', async () => {
    const dataDir = tempDir('id');
    const workspace = tempDir('ws');
    const first = await loadDeviceIdentity({ dataDir, workspace, hardwareId: async () => undefined });
    const [file] = readdirSync(path.join(dataDir, 'devices'));
    writeFileSync(path.join(dataDir, 'devices', file!), 'not a valid id / with spaces\n');
    const id = await loadDeviceIdentity({ dataDir, workspace, hardwareId: async () => undefined });
    assert.ok(id.source === 'mac' || id.source === 'random');
    if (id.source === 'mac') assert.equal(id.deviceId, first.deviceId, 'a MAC-derived id is derived again');
    assert.equal(readFileSync(path.join(dataDir, 'devices', file!), 'utf8').trim(), id.deviceId);
  });

  it('names a device "<OS type> - <hostname> · <folder>" unless overridden; cloud executors carry no folder', async () => {
    const dataDir = tempDir('id');
    const workspace = path.join(tempDir('ws'), 'my-project');
    mkdirSync(workspace);
    const machine = `${os.type()} - ${os.hostname()}`;
    assert.equal((await loadDeviceIdentity({ dataDir, workspace })).deviceName, `${machine} · my-project`);
    assert.equal((await loadDeviceIdentity({ dataDir, workspace, mode: 'cloud' })).deviceName, machine);
    assert.equal((await loadDeviceIdentity({ dataDir, workspace, deviceName: 'Build box' })).deviceName, 'Build box');
  });

  it('reads the real hardware id through node-machine-id on this machine', async () => {
    const id = await loadDeviceIdentity({ dataDir: tempDir('id'), workspace: tempDir('ws') });
    assert.ok(['hardware', 'mac', 'random'].includes(id.source));
  });
});
