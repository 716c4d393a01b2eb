// The extension manifest cannot import shared/, so its setting defaults are held here to the one
// definition each: the device's permission ceiling and the approval timeout.
import * as assert from 'node:assert/strict';
import { DEFAULT_APPROVAL_TIMEOUT_MS, DEFAULT_DEVICE_PERMISSION_MODE, PERMISSION_MODES } from '@wegent/shared';
import manifest from '../../package.json';

const settings = manifest.contributes.configuration.properties as Record<string, { default?: unknown; enum?: string[] }>;

describe('extension settings defaults', () => {
  it('wegent.permissionMode defaults to the device ceiling every shell uses, and lists the modes in order', () => {
    assert.equal(settings['wegent.permissionMode'].default, DEFAULT_DEVICE_PERMISSION_MODE);
    assert.deepEqual(settings['wegent.permissionMode'].enum, [...PERMISSION_MODES]);
  });

  it('wegent.approvalTimeoutMinutes defaults to the protocol’s approval timeout', () => {
    assert.equal(settings['wegent.approvalTimeoutMinutes'].default, DEFAULT_APPROVAL_TIMEOUT_MS / 60_000);
  });
});
