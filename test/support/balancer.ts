// Shared test/bench helper: a TCP load balancer on 127.0.0.1 — "several backend nodes behind one
// address". Each new client connection goes to a backend picked by `policy`; if that backend
// refuses (it is down), the next one is tried, the way a proxy with health checks fails over.
// Bytes are piped untouched, so WebSocket upgrades pass; a connection lives and dies with its
// backend (kill a node and its clients see a transport close, then reconnect through here).
//
//   const lb = await startBalancer([a.port, b.port], { policy: 'failover' }); // a first, b if a is down
//   io(lb.url + '/local-executor', ...)
//   lb.connections  // how many client connections went to each port
//   await lb.close();
import { createConnection, createServer, type Socket } from 'node:net';

export interface Balancer {
  url: string;
  port: number;
  /** Client connections handed to each backend port so far. */
  connections: Map<number, number>;
  close(): Promise<void>;
}

export interface BalancerOptions {
  /** 'failover': always the first backend that accepts; 'round-robin': rotate (default). */
  policy?: 'failover' | 'round-robin';
}

export async function startBalancer(ports: number[], opts: BalancerOptions = {}): Promise<Balancer> {
  const open = new Set<Socket>();
  const connections = new Map<number, number>(ports.map((p) => [p, 0]));
  let next = 0;

  const pipeTo = (client: Socket, order: number[]) => {
    const [port, ...rest] = order;
    if (port === undefined || client.destroyed) return client.destroy();
    const upstream = createConnection({ port, host: '127.0.0.1' });
    open.add(upstream);
    upstream.once('close', () => open.delete(upstream));
    // Refused before connecting: this backend is down, try the next one.
    const refused = () => {
      upstream.destroy();
      pipeTo(client, rest);
    };
    upstream.once('error', refused);
    upstream.once('connect', () => {
      upstream.off('error', refused);
      connections.set(port, (connections.get(port) ?? 0) + 1);
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      for (const s of [client, upstream]) {
        s.once('close', end);
        s.on('error', end);
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  };

  const server = createServer({ pauseOnConnect: true }, (client) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    const start = opts.policy === 'failover' ? 0 : next++ % ports.length;
    pipeTo(client, [...ports.slice(start), ...ports.slice(0, start)]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
