// The Socket.IO adapter for several nodes: @socket.io/redis-streams-adapter with one change — an
// emission reaches this node's own sockets without first waiting for its Redis XADD.
// socket.io-adapter's ClusterAdapter awaits the XADD of every broadcast (to learn the stream offset,
// which only connection-state recovery uses) before delivering locally: a Redis round trip in front
// of every chat:chunk, chat:start and device:status, even when device and chat share this node
// (the bench's progress → chunk latency showed it). We do not enable connection-state recovery
// (clients catch up with chat:resume), so the offset is not needed: the XADD is still sent, in
// order on one connection, just not awaited. If a future adapter version no longer has the method,
// the wrapper leaves the adapter as it is (correct, only slower).
// `maxLen` bounds the stream (XADD MAXLEN ~): without recovery, entries are only needed until every
// node has read them (within milliseconds), and each may be a chat:chunk of up to 2 MB.
import type { Redis } from 'ioredis';
import type { Namespace } from 'socket.io';
import { createAdapter } from '@socket.io/redis-streams-adapter';

type Publish = (message: unknown) => Promise<string>;
interface ClusterAdapterLike {
  publishAndReturnOffset?: Publish;
}

export function localFirstStreamsAdapter(redis: Redis, opts: { streamName: string; channelPrefix: string; maxLen: number }, onError: (err: unknown) => void) {
  const factory = createAdapter(redis, opts) as unknown as (nsp: Namespace) => ClusterAdapterLike;
  // A plain function: Socket.IO calls it with `new`, and the adapter object it returns is used.
  return function localFirst(nsp: Namespace): ClusterAdapterLike {
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
