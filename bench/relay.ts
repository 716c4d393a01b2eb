// The baseline: a bare Socket.IO relay (client → server → client), no auth, no Redis, no schema
// checks. It is the limit of the stack we build on (Node + Socket.IO over loopback); the bench
// reports the backend's figures as ratios to it, measured with the same load generator in one run.
//
// Run as its own process: `node --import tsx bench/relay.ts` prints "relay listening on URL".
// A client connects with `auth: { id }` and joins the room of that id. Events (all acked):
//   relay {to, ...}  → the payload is emitted as "relay" to room `to`, then acked {ok:true}
//   hb    {...}      → acked {ok:true} at once (the heartbeat baseline)
// GET /stats → {cpu_s, rss} so the bench reads its CPU time and memory like the backend's /metrics.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';

type Ack = (a: { ok: true }) => void;

const server = createServer((req, res) => {
  if (req.url === '/stats') {
    const cpu = process.cpuUsage();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ cpu_s: (cpu.user + cpu.system) / 1e6, rss: process.memoryUsage().rss }));
    return;
  }
  res.writeHead(404).end();
});

// The same engine settings as the backend (backend/src/app.ts) so only our own work differs.
const io = new Server(server, { maxHttpBufferSize: 4_000_000, pingInterval: 10_000, pingTimeout: 10_000, cors: { origin: false } });

io.on('connection', (socket) => {
  const id = (socket.handshake.auth as { id?: unknown }).id;
  if (typeof id === 'string') void socket.join(id);
  socket.on('relay', (payload: { to?: string }, ack?: Ack) => {
    if (typeof payload?.to === 'string') io.to(payload.to).emit('relay', payload);
    ack?.({ ok: true });
  });
  socket.on('hb', (_payload: unknown, ack?: Ack) => ack?.({ ok: true }));
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`relay listening on http://127.0.0.1:${port}\n`);
});

const stop = () => {
  io.close();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
