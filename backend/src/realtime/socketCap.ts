// Connections per account on this node (both namespaces): a client that opens sockets without end
// (a loop in a script, a leaked tab per second) is refused with connect_error LIMIT_EXCEEDED once
// its account holds the cap here, instead of growing the node's memory. Counted per node, in
// memory: a connection lives on one node, and a crashed node takes its counts with it.
import type { Namespace, Socket } from 'socket.io';
import { ErrorCode } from '@wegent/shared';
import type { SocketData } from './auth';

export function socketCap(max: number) {
  const counts = new Map<string, number>();
  return {
    /** After socketAuth: refuses the handshake when the account is at the cap. */
    middleware(socket: Socket, next: (err?: Error) => void): void {
      const userId = (socket.data as SocketData).principal.user.id;
      if ((counts.get(userId) ?? 0) < max) return next();
      const message = `Your account already has ${max} connections open to this backend node (WEGENT_MAX_SOCKETS_PER_USER). Close chat tabs or executors you do not need, then reconnect.`;
      next(Object.assign(new Error(ErrorCode.LIMIT_EXCEEDED), { data: { code: ErrorCode.LIMIT_EXCEEDED, message } }));
    },
    /** Counts every connection of the namespace until it ends. */
    track(nsp: Namespace): void {
      nsp.on('connection', (socket: Socket) => {
        const userId = (socket.data as SocketData).principal.user.id;
        counts.set(userId, (counts.get(userId) ?? 0) + 1);
        socket.once('disconnect', () => {
          const n = (counts.get(userId) ?? 1) - 1;
          if (n > 0) counts.set(userId, n);
          else counts.delete(userId);
        });
      });
    },
  };
}
