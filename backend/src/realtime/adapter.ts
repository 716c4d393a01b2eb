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
// no longer has the method, the wrapper leaves the adapter as it is (correct, only slower). A
// chat:chunk no other node needs is not broadcast through the adapter at all (peers.ts; the
// StreamProbe below tells when this node's reader is reading, before the node registers).
// The streams adapter's stream is bounded by size, not only by entries: `maxLen` caps the entries
// (XADD MAXLEN ~; without recovery an entry is needed only until every node has read it, within
// milliseconds), and a broadcast larger than LARGE_BROADCAST_BYTES (a big chat:chunk, up to 2 MB)
// does not go into the stream at all but over the adapter's own pub/sub channel, which every node
// already listens on and which keeps nothing. So the stream holds at most maxLen × 64 KiB, instead of
// a second copy of every stream's output. A pub/sub message may be missed by a node that is
// reconnecting to Redis at that moment, or arrive out of order with a small one: a chat that sees a
// gap in seqs, or a done ahead of its chunks, asks chat:resume (every chunk is kept in Redis).
import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { Namespace } from 'socket.io';
import { encode } from '@msgpack/msgpack';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import type { ReaderCheck } from './peers';

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

/** A broadcast past this many bytes skips the stream (see above). */
export const LARGE_BROADCAST_BYTES = 64 * 1024;
/** socket.io-adapter's MessageType.BROADCAST (part of the adapters' wire format, stable across versions). */
const BROADCAST = 3;

interface StreamsAdapterLike extends ClusterAdapterLike {
  uid: string;
  doPublish(message: { type: number; data?: { requestId?: unknown; packet?: unknown } }): Promise<string>;
  onRawMessage?(raw: { uid?: string }, offset: string): void;
}

/** Bytes of the strings in `value`, counting stops past `limit` (a cheap size test, no serialization). */
export function stringBytesOver(value: unknown, limit: number): boolean {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') total += v.length;
    else if (v instanceof Uint8Array) total += v.byteLength;
    else if (v && typeof v === 'object') for (const x of Object.values(v)) stack.push(x);
    if (total > limit) return true;
  }
  return false;
}

/**
 * Tells when this node's stream reader is reading (realtime/peers.ts waits for it before the node
 * registers): it writes a probe entry to the stream until the reader hands it back. The adapter's
 * reader starts at "$" once its connection is up, so an entry written before that is never read.
 * Every node drops probe entries unread (an older node decodes one as an unknown message type).
 */
export class StreamProbe {
  private readonly waiting = new Map<string, () => void>();

  constructor(private readonly redis: Redis, private readonly opts: { streamName: string; maxLen: number }) {}

  /** Called by the adapter for each probe entry it reads. */
  seen(token: string): void {
    this.waiting.get(token)?.();
  }

  readonly check: ReaderCheck = async (timeoutMs = 10_000) => {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const token = randomUUID();
      const read = new Promise<boolean>((resolve) => {
        this.waiting.set(token, () => resolve(true));
        setTimeout(() => resolve(false), 250).unref();
      });
      await this.redis.xadd(this.opts.streamName, 'MAXLEN', '~', this.opts.maxLen, '*', 'uid', 'probe', 'nsp', PROBE_NSP, 'type', '-1', PROBE_FIELD, token).catch(() => {});
      const ok = await read;
      this.waiting.delete(token);
      if (ok) return true;
    }
    return false;
  };
}

/** Probe entries ride on /chat (its adapter reads them) and carry this field. */
const PROBE_NSP = '/chat';
const PROBE_FIELD = 'wgProbe';

export function localFirstStreamsAdapter(redis: Redis, opts: { streamName: string; channelPrefix: string; maxLen: number }, onError: (err: unknown) => void, probe?: StreamProbe) {
  const factory = localFirst(createAdapter(redis, opts) as unknown as Factory, onError);
  return function sizeBoundedStream(nsp: Namespace): ClusterAdapterLike {
    const adapter = factory(nsp) as StreamsAdapterLike;
    // Every node reads the whole stream, its own entries too: 0.3.1 decodes each entry (JSON.parse
    // of the packet) before ClusterAdapter.onMessage drops the ones this node wrote. The entry's uid
    // is a plain field, so ours are dropped before the decode (on one node: every entry).
    const onRaw = adapter.onRawMessage;
    if (typeof onRaw === 'function') {
      adapter.onRawMessage = (raw, offset) => {
        const token = (raw as Record<string, unknown> | undefined)?.[PROBE_FIELD];
        if (token !== undefined) return probe?.seen(String(token));
        if (raw?.uid !== adapter.uid) onRaw.call(adapter, raw, offset);
      };
    }
    const doPublish = adapter.doPublish;
    if (typeof doPublish !== 'function') return adapter;
    // The channel the streams adapter subscribes every node to; its messages are msgpack, as here.
    const channel = `${opts.channelPrefix}#${nsp.name}#`;
    adapter.doPublish = (message) => {
      const large = message.type === BROADCAST && message.data?.requestId === undefined && stringBytesOver(message.data?.packet, LARGE_BROADCAST_BYTES);
      if (!large) return doPublish.call(adapter, message);
      return redis.publish(channel, Buffer.from(encode(message))).then(() => '');
    };
    return adapter;
  };
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
