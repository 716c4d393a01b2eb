// Slow consumers: Socket.IO buffers what it sends to a connection that does not read (a stalled
// browser tab, a client on a dead network path that has not timed out yet) without limit, so one
// such chat page watching a busy stream could grow the backend's memory by gigabytes before the
// ping timeout. A sweep closes any connection holding more than a cap of unsent bytes; the client
// reconnects when it can and catches up with `chat:resume` (every chunk is kept in Redis).
// The sweep looks only at connections sent something since they last had nothing unsent: walking
// every connection four times a second cost a quarter of the backend's CPU with 10,000 idle devices.
import type { Server as IoServer } from 'socket.io';
import type { Logger } from '../log';

/** Unsent bytes a connection may hold before it is cut (a few seconds of the busiest stream). */
export const MAX_UNSENT_BYTES = 16 * 1024 * 1024;
const SWEEP_MS = 250;

interface EngineConn {
  id: string;
  on(event: 'packetCreate' | 'close', listener: () => void): void;
  writeBuffer?: { data?: unknown }[];
  transport?: { name?: string; socket?: { bufferedAmount?: number; terminate?: () => void } };
  close(discard?: boolean): void;
}

/** Bytes queued for a connection: engine.io's write buffer plus what the WebSocket has not flushed
 * (counting stops once past `stopAbove`, so a sweep never walks a huge buffer). */
export function unsentBytes(conn: EngineConn, stopAbove = Infinity): number {
  let bytes = conn.transport?.socket?.bufferedAmount ?? 0;
  for (const p of conn.writeBuffer ?? []) {
    const d = p.data;
    bytes += typeof d === 'string' ? d.length : d instanceof ArrayBuffer || ArrayBuffer.isView(d) ? d.byteLength : 0;
    if (bytes > stopAbove) break;
  }
  return bytes;
}

/** Starts the sweep; returns the function that stops it. */
export function guardSlowConsumers(io: IoServer, log: Logger, maxUnsentBytes = MAX_UNSENT_BYTES): () => void {
  /** Connections that may hold unsent bytes: queued a packet since they were last seen drained. */
  const watched = new Set<EngineConn>();
  const engine = io.engine as unknown as { on(event: 'connection', listener: (conn: EngineConn) => void): void };
  engine.on('connection', (conn) => {
    conn.on('packetCreate', () => watched.add(conn));
    conn.on('close', () => watched.delete(conn));
  });
  const timer = setInterval(() => {
    for (const conn of watched) {
      const bytes = unsentBytes(conn, maxUnsentBytes);
      if (bytes === 0) watched.delete(conn);
      if (bytes <= maxUnsentBytes) continue;
      watched.delete(conn);
      log.warn({ conn: conn.id, unsentBytes: bytes, transport: conn.transport?.name }, 'closing a connection that does not read what it is sent');
      // terminate(): a close handshake would queue behind the very bytes the peer is not reading.
      if (typeof conn.transport?.socket?.terminate === 'function') conn.transport.socket.terminate();
      else conn.close(true);
    }
  }, SWEEP_MS);
  timer.unref();
  return () => clearInterval(timer);
}
