// The Socket.IO adapters for several nodes, each with one change — an emission reaches this
// node's own sockets without first waiting for its Redis write.
// - One Redis: @socket.io/redis-streams-adapter (every broadcast one XADD to one stream, read by
//   every node; rides out a Redis restart without losing packets).
// - A Redis Cluster: @socket.io/redis-adapter's sharded adapter on Redis 7 sharded pub/sub. In
//   its "dynamic" mode each public room is a channel of its own (`wg:socket.io#/chat#user:<id>#`),
//   hashed to a slot like a key, so the broadcasts spread over the shards, and a node subscribes
//   only to rooms it holds sockets of: a chunk for a user reaches the nodes of that user's chats
//   and no others. The streams adapter would put every broadcast of a namespace in one stream key,
//   on one shard, read by every node (docs/deployment.md has the arithmetic).
// socket.io-adapter's ClusterAdapter (under both) awaits the publish of every broadcast (to learn
// the stream offset, which only connection-state recovery uses) before delivering locally: a Redis
// round trip in front of every chat:chunk, chat:start and device:status, even when device and chat
// share this node (the bench's progress → chunk latency showed it). We do not enable
// connection-state recovery (clients catch up with chat:resume), so the offset is not needed: the
// publish is still sent, in order on one connection, just not awaited. If a future adapter version
// no longer has the method, the wrapper leaves the adapter as it is (correct, only slower).
// `maxLen` bounds the stream (XADD MAXLEN ~): without recovery, entries are only needed until every
// node has read them (within milliseconds), and each may be a chat:chunk of up to 2 MB.
import type { Cluster, Redis } from 'ioredis';
import type { Namespace } from 'socket.io';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createShardedAdapter } from '@socket.io/redis-adapter';

type Publish = (message: unknown) => Promise<string>;
interface ClusterAdapterLike {
  publishAndReturnOffset?: Publish;
}
type Factory = (nsp: Namespace) => ClusterAdapterLike;

function localFirst(factory: Factory, onError: (err: unknown) => void) {
  // A plain function: Socket.IO calls it with `new`, and the adapter object it returns is used.
  return function localFirstAdapter(nsp: Namespace): ClusterAdapterLike {
    const adapter = factory(nsp);
    const publish = adapter.publishAndReturnOffset;
    if (typeof publish === 'function') {
      adapter.publishAndReturnOffset = (message) => {
        publish.call(adapter, message).catch(onError);
        return Promise.resolve('');
      };
    }
    return adapter;
  };
}

export function localFirstStreamsAdapter(redis: Redis, opts: { streamName: string; channelPrefix: string; maxLen: number }, onError: (err: unknown) => void) {
  return localFirst(createAdapter(redis, opts) as unknown as Factory, onError);
}

interface RoomsLike {
  sids: Map<string, unknown>;
  addAll(id: string, rooms: Set<string>): Promise<void> | void;
}

/**
 * `pub`: the command client; `sub`: a cluster client with shardedSubscribers (it holds the SSUBSCRIBEs).
 * The adapter subscribes to a room's channel when the room appears here, without waiting; so
 * `await socket.join(room)` waits for it (the same SSUBSCRIBE again, answered once the first is in
 * place): a device:replaced sent by another node right after a register here must not be missed.
 */
export function localFirstShardedAdapter(pub: Cluster, sub: Cluster, opts: { channelPrefix: string }, onError: (err: unknown) => void) {
  const factory = localFirst(createShardedAdapter(pub, sub, { channelPrefix: opts.channelPrefix, subscriptionMode: 'dynamic' }) as unknown as Factory, onError);
  return function subscribedJoins(nsp: Namespace): ClusterAdapterLike {
    const adapter = factory(nsp) as ClusterAdapterLike & RoomsLike;
    const addAll = adapter.addAll;
    adapter.addAll = (id, rooms) => {
      void addAll.call(adapter, id, rooms);
      // Public rooms only: a socket's own room (its id) has no channel of its own in "dynamic" mode.
      const channels = [...rooms].filter((r) => r !== id && !adapter.sids.has(r)).map((r) => `${opts.channelPrefix}#${nsp.name}#${r}#`);
      if (!channels.length) return;
      return Promise.all(channels.map((c) => sub.ssubscribe(c))).then(() => undefined, onError);
    };
    return adapter;
  };
}
