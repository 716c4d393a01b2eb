// The baseline: a bare Socket.IO relay (client → server → client), no auth, no Redis, no schema
// checks. It is the limit of the stack we build on (Node + Socket.IO over loopback); the bench
// reports the backend's figures as ratios to it, measured with the same load generator in one run.
//
// Run as its own process: `node --import tsx bench/relay.ts` prints "relay listening on URL".
// A client connects with `auth: { id }` and joins the room of that id. Events (all acked):
//   relay {to, ...}  → the payload is emitted as "relay" to room `to`, then acked {ok:true}
//   hb    {...}      → acked {ok:true} at once (the heartbeat baseline)
// GET /stats → {cpu_s, rss} so the bench reads its CPU time and memory like the backend's /metrics.
//
// With RELAY_REDIS_URL set it is the *durable* relay: before forwarding, each `relay` payload is
// stored by one Lua call (RPUSH the JSON + HINCRBY a counter: what the backend's progress script
// does at its core) through ioredis set up as the backend's. It isolates the cost of the one Redis
// round trip a durable hop cannot avoid from the cost of everything else the backend does.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
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

const STORE = `redis.call('RPUSH', KEYS[1], ARGV[1]); return redis.call('HINCRBY', KEYS[2], 'n', 1)`;
const redisUrl = process.env.RELAY_REDIS_URL;
const redis = redisUrl ? new Redis(redisUrl, { enableAutoPipelining: true }) : undefined;
redis?.defineCommand('relayStore', { numberOfKeys: 2, lua: STORE });
type Store = (log: string, meta: string, json: string) => Promise<number>;
const store = (to: string, payload: unknown) => (redis as unknown as { relayStore: Store }).relayStore(`relay:log:${to}`, `relay:meta:${to}`, JSON.stringify(payload));

io.on('connection', (socket) => {
  const id = (socket.handshake.auth as { id?: unknown }).id;
  if (typeof id === 'string') void socket.join(id);
  socket.on('relay', (payload: { to?: string }, ack?: Ack) => {
    const to = payload?.to;
    if (typeof to !== 'string') return ack?.({ ok: true });
    const forward = () => {
      io.to(to).emit('relay', payload);
      ack?.({ ok: true });
    };
    if (!redis) return forward();
    store(to, payload).then(forward, (err: Error) => process.stderr.write(`relay store failed: ${err.message}\n`));
  });
  socket.on('hb', (_payload: unknown, ack?: Ack) => ack?.({ ok: true }));
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`relay listening on http://127.0.0.1:${port}\n`);
});

const stop = () => {
  redis?.disconnect();
  io.close();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
