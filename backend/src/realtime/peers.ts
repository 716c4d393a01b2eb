// Which backend nodes share this Redis through the streams adapter, so that a chunk with no other
// node to reach skips the adapter: on one node every chat:chunk was encoded, XADDed to the stream
// and read back by this node's own reader, a fifth of what a streamed message allocated (issue 17).
//
// Each node beats into the nodes registry (store/scripts/nodes.ts) every BEAT_MS; one silent for
// TTL_MS is dropped by the others' beats. The progress script reads the registry in the step that
// stores the chunk (lua/progress-7.lua) and answers `alone`; only then is the chunk emitted to this
// node's sockets alone. Why that cannot lose a chunk for a chat on another node B:
// - B registered before the script ran: the script sees B, and the chunk goes through the stream.
//   B's stream reader was reading before B registered (`join` waits for it to read a probe entry
//   written for it), so it reads the chunk.
// - B registered after: B's chats connect only after B listens, which is after it registered, so
//   they catch up (chat:resume) from the stored stream, which already holds the chunk.
// A chat that still sees a gap in seqs (B stalled past TTL_MS, or Redis lost the registry) asks
// chat:resume, as it does for a chunk lost in any other way.
//
// A first task:execute on a node whose last beat (sent less than VIEW_MS ago) found no other node
// goes to this node's sockets alone, without the adapter's encode and XADD in front of it. That view
// may be stale: a device that just connected to a new node B is then not reached, the loop hears
// "nobody" and sends again through the adapter a moment later (dispatch/execute.ts) — late, not lost.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log';
import type { RedisClient } from '../store/redis';
import { nodeBeat, nodeLeave } from '../store/scripts/nodes';

/** How often a node beats, and how long the others count it after its last beat. */
export const BEAT_MS = 3_000;
export const TTL_MS = 15_000;
/** How long a beat's count of other nodes is taken as the truth (a beat late by up to a second). */
export const VIEW_MS = BEAT_MS + 1_000;

/** Resolves true once this node's stream reader has read an entry written for the purpose. */
export type ReaderCheck = (timeoutMs?: number) => Promise<boolean>;

export class Peers {
  /** This node's id in the registry; '' when it takes no part (an in-memory or sharded adapter). */
  readonly nodeId: string;
  private timer: NodeJS.Timeout | null = null;
  private failing = false;
  /** What the last successful beat found: other nodes, and when it was sent (performance.now()). */
  private view: { others: number; sentAt: number } | null = null;

  /** `readerCheck`: the streams adapter's (realtime/adapter.ts); none, and the node never registers. */
  constructor(
    private readonly redis: RedisClient,
    private readonly readerCheck: ReaderCheck | null,
    private readonly log: Logger,
  ) {
    this.nodeId = readerCheck ? `node_${randomUUID()}` : '';
  }

  /** Registers this node once its stream reader is reading; call before it takes connections. */
  async join(): Promise<void> {
    if (!this.readerCheck || this.timer) return;
    if (!(await this.readerCheck())) {
      // Registering anyway is the safe side: other nodes then send this one every chunk.
      this.log.warn('socket.io adapter: this node never read its own probe from the stream; registering anyway');
    }
    await this.beat();
    this.timer = setInterval(() => void this.beat(), BEAT_MS);
    this.timer.unref();
  }

  /** True while this node's last beat, sent less than VIEW_MS ago, found no other node. */
  alone(): boolean {
    return this.view !== null && this.view.others === 0 && performance.now() - this.view.sentAt < VIEW_MS;
  }

  /** Leaves the registry (shutdown, after its sockets are closed): the others stop counting it now. */
  async leave(): Promise<void> {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
    this.view = null;
    await nodeLeave(this.redis, this.nodeId).catch(() => {});
  }

  private async beat(): Promise<void> {
    try {
      const sentAt = performance.now();
      this.view = { others: await nodeBeat(this.redis, { nodeId: this.nodeId, ttlMs: TTL_MS }), sentAt };
      if (this.failing) this.log.info('node registry: beating again');
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.log.warn({ err: (err as Error).message }, 'node registry: beat failed (other nodes send this one every chunk meanwhile, until it lapses)');
      this.failing = true;
      this.view = null;
    }
  }
}
