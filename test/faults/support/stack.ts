// What every fault/fuzz/security file needs around the shared helpers in test/support:
//
//   const stack = await startStack({ env: {...}, users: 2 });   // real Redis + backend child process + users
//   const before = await stack.snapshot();                      // the backend's durable state in Redis
//   ... hostile input ...
//   assert.equal(await stack.snapshot(), before);               // rejected input changed nothing
//   await stack.assertAlive();                                  // process up, /healthz 200, no INTERNAL in logs
//   await stack.stop();
//
// snapshot() reads every `wg:` key except the ones that move on their own (presence keys and
// deadlines, last_seen_at, the Socket.IO adapter stream, the backend nodes' beats (wg:nodes),
// rate-limit counters: login, and a device's task:progress points, which a refused call spends too), so equal
// snapshots mean "no user-visible state changed".
import assert from 'node:assert/strict';
import type { Cluster, Redis } from 'ioredis';
import { redisClient, scanKeys, startRedis, type RedisOptions, type TestRedis } from '../../support/redis';
import { createUser, startBackend, type TestBackend, type TestUser } from '../../support/backend';
import { api } from '../../support/clients';

const VOLATILE_KEY = [/^wg:socket\.io/, /^wg:nodes$/, /^wg:rl:/, /^wg:\{[^}]+\}:device:.+:progress-rate$/, /^wg:\{[0-9a-f]{8}\}:device:[^:]+(?::[^:]+)*:online$/, /^wg:\{presence:\d+\}:deadlines$/];
const VOLATILE_FIELD = new Set(['last_seen_at', 'missing_beats']);

export interface Stack {
  redis: TestRedis;
  backend: TestBackend;
  users: TestUser[];
  /** A Redis client on the same server, for reading state (not for changing it). */
  peek: Redis | Cluster;
  snapshot(): Promise<string>;
  /** The backend process runs, /healthz answers 200, and it never logged a handler failure. */
  assertAlive(): Promise<void>;
  stop(): Promise<void>;
}

export async function redisSnapshot(client: Redis | Cluster): Promise<string> {
  const keys = (await scanKeys(client, 'wg:*')).filter((k) => !VOLATILE_KEY.some((re) => re.test(k)));
  keys.sort();
  // Key by key (a cluster's pipeline must stay on one node); the commands of a tick are pipelined anyway.
  const types = await Promise.all(keys.map((k) => client.type(k)));
  const values = await Promise.all(keys.map((k, i) => {
    const type = types[i];
    if (type === 'hash') return client.hgetall(k);
    if (type === 'set') return client.smembers(k);
    if (type === 'list') return client.lrange(k, 0, -1);
    if (type === 'zset') return client.zrange(k, 0, -1, 'WITHSCORES');
    if (type === 'string') return client.get(k);
    return type;
  }));
  const state: Record<string, unknown> = {};
  keys.forEach((k, i) => {
    let v: unknown = values[i];
    if (types[i] === 'set' && Array.isArray(v)) v = [...v].sort();
    if (types[i] === 'hash' && v && typeof v === 'object') {
      v = Object.fromEntries(Object.entries(v as Record<string, string>).filter(([f]) => !VOLATILE_FIELD.has(f)).sort());
    }
    state[k] = v;
  });
  return JSON.stringify(state);
}

export async function startStack(opts: { env?: Record<string, string>; users?: number; redis?: RedisOptions; inProcess?: boolean } = {}): Promise<Stack> {
  const redis = await startRedis(opts.redis);
  const backend = await startBackend({ redisUrl: redis.url, env: opts.env, inProcess: opts.inProcess });
  const users: TestUser[] = [];
  for (let i = 0; i < (opts.users ?? 2); i++) users.push(await createUser(backend));
  const peek = redisClient(redis.url, { maxRetriesPerRequest: 1 });
  peek.on('error', () => {});
  return {
    redis,
    backend,
    users,
    peek,
    snapshot: () => redisSnapshot(peek),
    async assertAlive() {
      const health = await api(backend.url, 'GET', '/healthz');
      assert.equal(health.status, 200, `backend unhealthy: ${JSON.stringify(health.body)}\n${backend.logs().slice(-3000)}`);
      assert.doesNotMatch(backend.logs(), /handler failed|request failed|unhandled rejection|uncaught/i, 'the backend logged an internal failure');
    },
    async stop() {
      peek.disconnect();
      await backend.stop();
      await redis.stop();
    },
  };
}
