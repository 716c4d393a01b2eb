// A Socket.IO v4 client written by hand over a raw WebSocket (`ws`), for input the real client
// refuses to produce: frames past the size limit, invalid UTF-8, 100 000-level nesting that
// JSON.stringify cannot even encode. It speaks just enough of the protocol: open, namespace
// connect with auth, events with acks, pong.
import WebSocket from 'ws';

export class RawSocket {
  private nextId = 1;
  private readonly acks = new Map<string, (args: unknown[]) => void>();
  /** Raw text packets received (pings excluded). */
  readonly packets: string[] = [];
  closed: { code: number; reason: string } | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (isBinary) return;
      const text = data.toString();
      if (text === '2') return void ws.send('3');
      this.packets.push(text);
      const ack = text.match(/^43(\/[^,]*,)?(\d+)(\[.*)$/s);
      if (ack) this.acks.get(ack[2])?.(JSON.parse(ack[3]));
    });
    ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
    ws.on('error', () => {});
  }

  static open(baseUrl: string, timeoutMs = 10_000): Promise<RawSocket> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, { maxPayload: 64 * 1024 * 1024 });
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('raw socket: no open packet')), timeoutMs);
      ws.once('message', (d) => {
        clearTimeout(t);
        if (!d.toString().startsWith('0')) return reject(new Error(`raw socket: unexpected first packet ${d}`));
        resolve(new RawSocket(ws));
      });
      ws.once('error', (e) => {
        clearTimeout(t);
        reject(e);
      });
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Joins a namespace with `{token}`; resolves with the server's answer packet ("40…" or "44…"). */
  async join(nsp: string, token: string, timeoutMs = 10_000): Promise<string> {
    const before = this.packets.length;
    this.ws.send(`40${nsp},${JSON.stringify({ token })}`);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const answer = this.packets.slice(before).find((p) => p.startsWith(`40${nsp},`) || p.startsWith(`44${nsp},`));
      if (answer) return answer;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`raw socket: no answer to joining ${nsp}`);
  }

  /** Sends `42{nsp},{id}[` + rawArgs + `]` and resolves with the ack's arguments (or null on timeout/close). */
  request(nsp: string, rawArgs: string | Buffer, timeoutMs = 15_000): Promise<unknown[] | null> {
    const id = String(this.nextId++);
    return new Promise((resolve) => {
      const t = setTimeout(() => done(null), timeoutMs);
      const onClose = () => done(null);
      const done = (v: unknown[] | null) => {
        clearTimeout(t);
        this.acks.delete(id);
        this.ws.off('close', onClose);
        resolve(v);
      };
      this.acks.set(id, done);
      this.ws.once('close', onClose);
      const head = Buffer.from(`42${nsp},${id}[`);
      this.ws.send(Buffer.concat([head, Buffer.isBuffer(rawArgs) ? rawArgs : Buffer.from(rawArgs), Buffer.from(']')]), { binary: false });
    });
  }

  /** Answers a server→client event that asked for an ack (e.g. task:execute). */
  ackServer(nsp: string, id: string, value: unknown): void {
    this.ws.send(`43${nsp},${id}${JSON.stringify([value])}`);
  }

  sendRaw(data: Buffer | string, binary = false): void {
    this.ws.send(data, { binary });
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Nested arrays `depth` deep as JSON text, built without recursion. */
export function deepJson(depth: number, leaf = '0'): string {
  return '['.repeat(depth) + leaf + ']'.repeat(depth);
}
