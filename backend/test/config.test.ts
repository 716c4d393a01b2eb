// loadConfig refuses every bad value at start with a ConfigError that names the variable, the value
// and what is allowed (main.ts prints it and exits), instead of starting with a surprise.
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../src/config';

const BASE = { WEGENT_JWT_SECRET: 'x'.repeat(40), WEGENT_DATA_DIR: '/tmp/wegent-config-test' };

function refusal(env: Record<string, string>): string {
  let message = '';
  assert.throws(() => loadConfig({ ...BASE, ...env }), (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    message = (err as Error).message;
    return true;
  });
  return message;
}

describe('backend: config refusals', () => {
  it('starts with the defaults when nothing is set', () => {
    const c = loadConfig(BASE);
    assert.equal(c.port, 8080);
    assert.equal(c.listenBacklog, 4096);
    assert.deepEqual(c.timing, { heartbeatIntervalMs: 30_000, onlineTtlMs: 90_000, monitorIntervalMs: 60_000 });
  });

  it('refuses a presence timing that is not a whole number of ms > 0 (no silent default)', () => {
    assert.equal(refusal({ WEGENT_ONLINE_TTL_MS: '90s' }), 'WEGENT_ONLINE_TTL_MS must be a whole number of milliseconds greater than 0 (got "90s"); leave it unset for the default.');
    assert.match(refusal({ WEGENT_HEARTBEAT_INTERVAL_MS: '0' }), /^WEGENT_HEARTBEAT_INTERVAL_MS must be .* \(got "0"\)/);
    assert.match(refusal({ WEGENT_MONITOR_INTERVAL_MS: '-1' }), /^WEGENT_MONITOR_INTERVAL_MS must be .* \(got "-1"\)/);
  });

  it('refuses a heartbeat that is not shorter than the online TTL', () => {
    assert.match(refusal({ WEGENT_HEARTBEAT_INTERVAL_MS: '5000', WEGENT_ONLINE_TTL_MS: '5000' }), /WEGENT_HEARTBEAT_INTERVAL_MS must be shorter than WEGENT_ONLINE_TTL_MS/);
  });

  it('refuses integers out of range or not integers, naming the range', () => {
    assert.equal(refusal({ PORT: '70000' }), 'PORT must be an integer between 0 and 65535 (got "70000").');
    assert.match(refusal({ WEGENT_MAX_TOKENS_PER_USER: '1' }), /^WEGENT_MAX_TOKENS_PER_USER must be an integer between 2 and \d+ \(got "1"\)\.$/);
    assert.match(refusal({ WEGENT_EXECUTE_ACK_TIMEOUT_MS: '2.5' }), /^WEGENT_EXECUTE_ACK_TIMEOUT_MS must be an integer between 1 and/);
    assert.equal(refusal({ WEGENT_LISTEN_BACKLOG: '0' }), 'WEGENT_LISTEN_BACKLOG must be an integer between 1 and 65535 (got "0").');
  });

  it('refuses flags other than 1/0 (true/false, yes/no, on/off)', () => {
    assert.equal(refusal({ WEGENT_ALLOW_SIGNUP: 'maybe' }), 'WEGENT_ALLOW_SIGNUP must be 1 or 0 (got "maybe").');
  });

  it('refuses a short JWT secret, a short metrics token, bad cluster seeds and the streams adapter on a cluster', () => {
    assert.match(refusal({ WEGENT_JWT_SECRET: 'short' }), /WEGENT_JWT_SECRET is too short: it must be at least 32 bytes/);
    assert.match(refusal({ WEGENT_METRICS_TOKEN: 'abc' }), /WEGENT_METRICS_TOKEN must be at least 16 characters/);
    assert.match(refusal({ REDIS_CLUSTER_NODES: '10.0.0.1:6379,nohost' }), /REDIS_CLUSTER_NODES must be comma-separated host:port .*\(got "nohost"\)/);
    assert.match(refusal({ REDIS_CLUSTER_NODES: '10.0.0.1:6379', WEGENT_SOCKET_ADAPTER: 'redis-streams' }), /cannot scale on a Redis Cluster/);
  });
});
