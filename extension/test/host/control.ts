// A small control endpoint the harness serves on 127.0.0.1 for the in-host suite, which runs in
// another process (the extension host) and cannot reach the harness's objects: it stops and starts
// the real backend process (network-loss tests) and issues short-lived tokens (expiry tests).
// Its URL reaches the extension host through the environment code-server is started with.
import { createServer, type Server } from 'node:http';
import { issueToken, type TestBackend } from '../../../test/support/backend';

export interface ControlServer {
  url: string;
  /** What POST /screenshot?name=N does (set by a scenario that holds a window's page); answers {path}. */
  screenshot?: (name: string) => Promise<string>;
  close(): Promise<void>;
}

/**
 * POST /backend/kill | /backend/start | /backend/restart; POST /token?ttl_s=N → {token, id} for `userId`;
 * POST /kv/set?key=K&value=V and /kv/get?key=K (waits until K is set, up to 4 min) → {value}: how
 * suites in two windows at once (extension/test/host/windows.ts) tell each other their device ids.
 */
export async function startControlServer(backend: TestBackend, userId: string): Promise<ControlServer> {
  const kv = new Map<string, string>();
  const waiting = new Map<string, Array<(value: string) => void>>();
  const hooks: Pick<ControlServer, 'screenshot'> = {};
  const actions: Record<string, (q: URLSearchParams) => Promise<unknown>> = {
    '/screenshot': async (q) => {
      if (!hooks.screenshot) throw new Error('no window to take a screenshot of');
      return { path: await hooks.screenshot(q.get('name') ?? 'screenshot') };
    },
    '/kv/set': async (q) => {
      const [key, value] = [q.get('key') ?? '', q.get('value') ?? ''];
      kv.set(key, value);
      for (const wake of waiting.get(key)?.splice(0) ?? []) wake(value);
      return { ok: true };
    },
    '/kv/get': (q) => {
      const key = q.get('key') ?? '';
      const known = kv.get(key);
      if (known !== undefined) return Promise.resolve({ value: known });
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`nobody set "${key}" within 4 min`)), 4 * 60_000);
        waiting.set(key, [...(waiting.get(key) ?? []), (value) => (clearTimeout(timer), resolve({ value }))]);
      });
    },
    '/backend/kill': async () => backend.kill(),
    '/backend/start': async () => backend.start(),
    '/backend/restart': async () => backend.restart(),
    '/token': async (q) => issueToken(backend, userId, { ttlS: Number(q.get('ttl_s') ?? 60), name: 'vscode-expiry-test' }),
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const action = req.method === 'POST' ? actions[url.pathname] : undefined;
    if (!action) {
      res.writeHead(404).end();
      return;
    }
    action(url.searchParams).then(
      (result) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result ?? { ok: true })),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String((err as Error)?.stack ?? err)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    get screenshot() {
      return hooks.screenshot;
    },
    set screenshot(fn) {
      hooks.screenshot = fn;
    },
  };
}
