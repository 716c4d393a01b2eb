// A loopback TCP proxy in front of the backend so a test can cut the executor's network for real
// (every connection destroyed, new ones refused for a while) without touching the executor's code.
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  url: string;
  /** Destroys every open connection; new ones are refused until `pauseMs` have passed. */
  cut(pauseMs?: number): void;
  /** How many client connections were accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let refuseUntil = 0;
  let accepted = 0;
  const server = net.createServer((client) => {
    if (Date.now() < refuseUntil) return client.destroy();
    accepted++;
    const upstream = net.connect(targetPort, '127.0.0.1');
    open.add(client).add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    get accepted() {
      return accepted;
    },
    cut(pauseMs = 0) {
      refuseUntil = Date.now() + pauseMs;
      for (const s of open) s.destroy();
      open.clear();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of open) s.destroy();
        server.close(() => r());
      }),
  };
}
