// "Tell the sockets of a room why, then close them", on every node, in that order. Sent as an
// emit and a disconnectSockets, the two travel apart on a Redis Cluster (the sharded adapter puts a
// room's emit on the room's own channel and the disconnect on the namespace's, two shards, no
// order between them), so the socket could be closed before it hears why. Instead one server-side
// message goes to every node, and each does both to its own sockets, in order.
import type { Namespace } from 'socket.io';

const EVENT = 'wg:tell-and-close';

interface TellAndClose {
  room: string;
  /** A socket id spared (the one that caused it). */
  except?: string;
  event: string;
  payload: unknown;
}

function locally(nsp: Namespace, m: TellAndClose): void {
  const op = m.except ? nsp.local.to(m.room).except(m.except) : nsp.local.to(m.room);
  op.emit(m.event, m.payload);
  op.disconnectSockets(true);
}

/** Each namespace that uses tellAndClose listens once (at startup). */
export function listenForTellAndClose(nsp: Namespace): void {
  nsp.on(EVENT, (m: TellAndClose) => locally(nsp, m));
}

export function tellAndClose(nsp: Namespace, m: TellAndClose): void {
  locally(nsp, m);
  // Other nodes (an in-memory adapter has none and sends nothing).
  nsp.serverSideEmit(EVENT, m);
}
