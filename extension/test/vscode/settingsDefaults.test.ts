// The extension manifest cannot import shared/, so its setting defaults are held here to the one
// definition each: what the executor core resolves an unset option to (executor/options.ts).
import * as assert from 'node:assert/strict';
import { DEFAULT_APPROVAL_TIMEOUT_MS, DEFAULT_DEVICE_PERMISSION_MODE, PERMISSION_MODES } from '@wegent/shared';
import { MAX_SLOTS } from '@wegent/shared';
import { resolveOptions } from '../../src/executor/options';
import manifest from '../../package.json';

const settings = manifest.contributes.configuration.properties as Record<string, { default?: unknown; enum?: string[]; maximum?: number; minimum?: number }>;

describe('extension settings defaults', () => {
  it('wegent.permissionMode defaults to the device ceiling every shell uses, and lists the modes in order', () => {
    assert.equal(settings['wegent.permissionMode'].default, DEFAULT_DEVICE_PERMISSION_MODE);
    assert.deepEqual(settings['wegent.permissionMode'].enum, [...PERMISSION_MODES]);
  });

  it('wegent.approvalTimeoutMinutes defaults to the protocol’s approval timeout', () => {
    assert.equal(settings['wegent.approvalTimeoutMinutes'].default, DEFAULT_APPROVAL_TIMEOUT_MS / 60_000);
  });

  it('every executor setting defaults to what the core resolves an unset option to, slots within 1…MAX_SLOTS', () => {
    const core = resolveOptions({ backendUrl: '', token: '', workspace: '' });
    assert.equal(settings['wegent.backendUrl'].default, core.backendUrl);
    assert.equal(settings['wegent.maxSlots'].default, core.maxSlots);
    assert.deepEqual([settings['wegent.maxSlots'].minimum, settings['wegent.maxSlots'].maximum], [1, MAX_SLOTS]);
    assert.equal(settings['wegent.permissionMode'].default, core.permissionMode);
    assert.equal(settings['wegent.approvalTimeoutMinutes'].default, core.approvalTimeoutMs / 60_000);
    assert.equal(settings['wegent.keepAliveMinutes'].default, core.keepAliveMs / 60_000);
    assert.equal(settings['wegent.spareProcess'].default, core.spareProcess);
    assert.equal(settings['wegent.isolation'].default, core.isolation);
  });
});
