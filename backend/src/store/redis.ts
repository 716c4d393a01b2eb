// The ioredis connections: one for commands, more on demand (pub/sub and the Socket.IO adapter
// need connections of their own because they block). One Redis (REDIS_URL, or the embedded one)
// or a Redis Cluster (REDIS_CLUSTER_NODES: ioredis `Cluster`, which follows the slot map, MOVED
// and failovers itself); both run the same commands and scripts (keys.ts puts what a script
// touches in one slot).
import { Cluster, Redis, type ClusterNode } from 'ioredis';

/** A single Redis or a Redis Cluster client: everything in the backend runs on either. */
export type RedisClient = Redis | Cluster;

/** Where the store is: one Redis (a redis:// URL or a unix socket path) or a cluster's seed nodes. */
export type StoreTarget = { url: string } | { clusterNodes: { host: string; port: number }[] };

export function isCluster(redis: RedisClient): redis is Cluster {
  return redis instanceof Cluster;
}

export function connectRedis(url: string, name: string): Redis {
  return new Redis(url, {
    connectionName: `wegent-${name}`,
    // Keep retrying: Redis restarting under us is a state to ride out, not a crash.
    maxRetriesPerRequest: 3,
    retryStrategy: (attempt) => Math.min(50 * attempt, 1000),
    lazyConnect: false,
    // Commands issued in the same tick (many devices heartbeating, many streams) go out in one
    // write: the bench's profile showed socket writes as the backend's largest CPU cost.
    enableAutoPipelining: true,
  });
}

/**
 * A Redis Cluster client. `sharded`: the connection the Socket.IO sharded adapter subscribes on
 * (SSUBSCRIBE goes to the node owning each channel's slot). While a shard's master is failing over
 * its commands are retried (retryDelayOnFailover / ClusterDown / TryAgain, within
 * maxRetriesPerRequest) and then refused, which the edges answer UNAVAILABLE (errors.ts).
 */
export function connectCluster(nodes: ClusterNode[], name: string, opts: { sharded?: boolean } = {}): Cluster {
  return new Cluster(nodes, {
    enableAutoPipelining: true,
    scaleReads: 'master',
    clusterRetryStrategy: (attempt) => Math.min(100 * attempt, 2000),
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 300,
    retryDelayOnTryAgain: 100,
    retryDelayOnMoved: 0,
    maxRedirections: 16,
    slotsRefreshTimeout: 2000,
    // A node that went away is looked for again (the slot map is refreshed on MOVED and on errors).
    slotsRefreshInterval: 5000,
    shardedSubscribers: opts.sharded ?? false,
    // While the whole cluster is unreachable a command fails at once (UNAVAILABLE) instead of
    // waiting in a queue; subscriptions (the adapter's, made before the cluster is ready) do wait.
    enableOfflineQueue: opts.sharded ?? false,
    redisOptions: {
      connectionName: `wegent-${name}`,
      maxRetriesPerRequest: 3,
    },
  });
}

export function connectStore(target: StoreTarget, name: string, opts: { sharded?: boolean } = {}): RedisClient {
  return 'url' in target ? connectRedis(target.url, name) : connectCluster(target.clusterNodes, name, opts);
}

/** Resolves once the client answers PING, or rejects after `timeoutMs`. */
export async function waitReady(redis: RedisClient, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      await redis.ping();
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`Redis did not answer within ${timeoutMs} ms: ${(lastError as Error)?.message ?? 'no answer'}`);
}

export interface StoreHealth {
  ok: boolean;
  /** For a cluster: CLUSTER INFO's state, and how many masters answer of those that serve slots. */
  cluster?: { state: string; slots_ok: number; masters: number; masters_up: number };
}

/** PING (one Redis), or CLUSTER INFO of a reachable node plus a PING of every master (a cluster). */
export async function storeHealth(redis: RedisClient): Promise<StoreHealth> {
  if (!isCluster(redis)) {
    await redis.ping();
    return { ok: true };
  }
  const masters = redis.nodes('master');
  const pings = await Promise.all(masters.map((n) => n.ping().then(() => true, () => false)));
  const up = masters.filter((_, i) => pings[i]);
  const info = up.length ? String(await up[0].cluster('INFO')) : '';
  const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim() ?? '';
  const state = field('cluster_state') || 'unreachable';
  const cluster = { state, slots_ok: Number(field('cluster_slots_ok')) || 0, masters: masters.length, masters_up: up.length };
  // Every slot served by a master that answers (with cluster-require-full-coverage off the state
  // stays "ok" while one shard is down: the slot count tells).
  return { ok: state === 'ok' && cluster.slots_ok === 16384 && up.length === masters.length && masters.length > 0, cluster };
}
