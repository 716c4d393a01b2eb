// A loopback HTTP proxy in front of the backend that records what each Socket.IO request asked for
// (the `transport` query of every request and upgrade) and can refuse WebSocket upgrades, as some
// corporate proxies do. Plain requests are forwarded; an allowed upgrade is piped both ways.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface HttpProxy {
  url: string;
  /** `transport` of every Socket.IO request seen, in order ('polling' | 'websocket'). */
  readonly transports: string[];
  close(): Promise<void>;
}

export async function startHttpProxy(targetPort: number, opts: { refuseUpgrades?: boolean } = {}): Promise<HttpProxy> {
  const transports: string[] = [];
  const open = new Set<net.Socket>();
  const note = (url = '') => {
    const t = new URL(url, 'http://x').searchParams.get('transport');
    if (t) transports.push(t);
  };
  const server = http.createServer((req, res) => {
    note(req.url);
    const upstream = http.request({ host: '127.0.0.1', port: targetPort, path: req.url, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('upgrade', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    note(req.url);
    open.add(client);
    client.once('close', () => open.delete(client));
    if (opts.refuseUpgrades) return client.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
    const upstream = net.connect(targetPort, '127.0.0.1', () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(lines.join('\r\n') + '\r\n\r\n');
      if (head.length) upstream.write(head);
      client.pipe(upstream).pipe(client);
    });
    open.add(upstream);
    const end = () => (client.destroy(), upstream.destroy());
    upstream.on('error', end).on('close', end);
    client.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    transports,
    close: async () => {
      for (const s of open) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
