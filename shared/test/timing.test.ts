// The presence timing overrides: unset or empty means the default; anything else that is not a whole
// number of milliseconds > 0 is refused with the variable, the value and what is allowed (never
// silently replaced by the default, which would hide a typo in a deployment).
import assert from 'node:assert/strict';
import { DEFAULT_HEARTBEAT_INTERVAL_MS, DEFAULT_MONITOR_INTERVAL_MS, DEFAULT_ONLINE_TTL_MS, TimingEnvError, timingFromEnv } from '../src/index';

describe('shared: timingFromEnv', () => {
  it('takes the defaults when unset or empty and whole positive numbers as given', () => {
    assert.deepEqual(timingFromEnv({}), { heartbeatIntervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS, onlineTtlMs: DEFAULT_ONLINE_TTL_MS, monitorIntervalMs: DEFAULT_MONITOR_INTERVAL_MS });
    assert.deepEqual(timingFromEnv({ WEGENT_HEARTBEAT_INTERVAL_MS: '', WEGENT_ONLINE_TTL_MS: '4000', WEGENT_MONITOR_INTERVAL_MS: '1000' }), { heartbeatIntervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS, onlineTtlMs: 4000, monitorIntervalMs: 1000 });
  });

  for (const [name, value] of [
    ['WEGENT_HEARTBEAT_INTERVAL_MS', '0'],
    ['WEGENT_HEARTBEAT_INTERVAL_MS', '-5'],
    ['WEGENT_ONLINE_TTL_MS', '90s'],
    ['WEGENT_ONLINE_TTL_MS', '1.5'],
    ['WEGENT_MONITOR_INTERVAL_MS', ' '],
    ['WEGENT_MONITOR_INTERVAL_MS', '1e400'],
  ] as const) {
    it(`refuses ${name}="${value}" naming the variable, the value and what is allowed`, () => {
      assert.throws(() => timingFromEnv({ [name]: value }), (err: unknown) => {
        assert.ok(err instanceof TimingEnvError);
        assert.equal(err.variable, name);
        assert.equal(err.value, value);
        assert.equal(err.message, `${name} must be a whole number of milliseconds greater than 0 (got "${value}"); leave it unset for the default.`);
        return true;
      });
    });
  }
});
