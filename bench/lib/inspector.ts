// Reads a server's memory the way a heap profiler does: through the V8 inspector of a process started
// with --inspect=127.0.0.1:0, force a full GC, then read process.memoryUsage(). RSS alone counts
// heap the collector has not returned and allocator slack, which overstates small per-device costs.
// No hook in the product: the bench only adds a node flag to the processes it starts.
import WebSocket from 'ws';

export interface MemoryReading {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** The inspector's WebSocket URL from what a process printed ("Debugger listening on ws://..."). */
export function inspectorUrlIn(output: string): string | undefined {
  return output.match(/Debugger listening on (ws:\/\/\S+)/)?.[1];
}

export class Inspector {
  private nextId = 1;
  private readonly pending = new Map<number, { ok: (v: any) => void; fail: (e: Error) => void }>();
  private chunks: string[] = [];

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw)) as { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: { chunk?: string } };
      if (m.method === 'HeapProfiler.addHeapSnapshotChunk' && m.params?.chunk) this.chunks.push(m.params.chunk);
      if (m.id === undefined) return;
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error) p?.fail(new Error(m.error.message));
      else p?.ok(m.result);
    });
  }

  static connect(url: string): Promise<Inspector> {
    return new Promise((ok, fail) => {
      const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 2 ** 30 });
      ws.once('open', () => ok(new Inspector(ws)));
      ws.once('error', fail);
    });
  }

  send<T = unknown>(method: string, params: object = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise((ok, fail) => {
      this.pending.set(id, { ok, fail });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Two full collections (the second sweeps what the first's finalizers freed), then the reading. */
  async memoryAfterGc(): Promise<MemoryReading> {
    await this.send('HeapProfiler.collectGarbage');
    await this.send('HeapProfiler.collectGarbage');
    const r = await this.send<{ result: { value: string } }>('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
    return JSON.parse(r.result.value) as MemoryReading;
  }

  /** A full heap snapshot as parsed JSON (see heap.ts for what the bench makes of it). */
  async heapSnapshot(): Promise<unknown> {
    this.chunks = [];
    await this.send('HeapProfiler.enable');
    await this.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    const text = this.chunks.join('');
    this.chunks = [];
    return JSON.parse(text);
  }

  close(): void {
    this.ws.close();
  }
}
