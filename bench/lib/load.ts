// Load-generator building blocks shared by the scenarios: connecting many clients with bounded
// concurrency, the relay's client, and waiting for one event with a deadline.
import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';

export const now = () => performance.now();

/** Runs `make(i)` for i in [0, n) with at most `concurrency` in flight; results keep their index. */
export async function connectMany<T>(n: number, concurrency: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  const lane = async () => {
    while (next < n) {
      const i = next++;
      out[i] = await make(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, lane));
  return out;
}

/** A client of bench/relay.ts: joins the room `id`. WebSocket only, like the protocol clients. */
export function connectRelay(url: string, id: string, timeoutMs = 15_000): Promise<Socket> {
  const socket = io(url, { auth: { id }, transports: ['websocket'], forceNew: true, reconnection: false, timeout: timeoutMs });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay client ${id} did not connect`)), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('connect_error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Resolves with the time and payload of the first `event` on `socket` matching `match`. */
export function nextMatching<T>(socket: Socket, event: string, match: (p: T) => boolean, timeoutMs = 15_000): Promise<{ at: number; payload: T }> {
  return new Promise((resolve, reject) => {
    const handler = (p: T) => {
      if (!match(p)) return;
      const at = now();
      clearTimeout(timer);
      socket.off(event, handler);
      resolve({ at, payload: p });
    };
    const timer = setTimeout(() => {
      socket.off(event, handler);
      reject(new Error(`no matching "${event}" within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on(event, handler);
  });
}

export function closeAll(sockets: { close(): unknown }[]): void {
  for (const s of sockets) s.close();
}
