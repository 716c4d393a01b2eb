// Shared test helper: what one ioredis client sends to Redis while some work runs.
//
//   const traffic = watchRedis(backend.app!.services.redis);   // an in-process backend's command connection
//   ... the work ...
//   traffic.stop();   // { roundTrips, commands }
//   await redisIdle(redis);   // before counting: what earlier work set going (announcements) has finished
//
// roundTrips counts writes on the client's socket. ioredis (auto-pipelining on) writes each pipeline
// — every command issued in one tick — in a single write, and waits for all of their replies
// together; so, on a quiet backend, writes are the round trips a path costs (on a Cluster: summed
// over its nodes' connections). commands counts the
// commands in those writes (a Lua script is one: EVALSHA). Nothing is changed: the write goes on.
import type { Cluster, Redis } from 'ioredis';
import { waitFor } from './wait';

export interface RedisTraffic {
  readonly roundTrips: number;
  readonly commands: number;
  /** Each write's command names, in order (what a round trip carried). */
  readonly writes: string[][];
  /** Stops counting and returns the figures. */
  stop(): { roundTrips: number; commands: number };
}

/** The connections a client writes commands on: itself, or each node of a Cluster (summed). */
function connections(client: Redis | Cluster): Redis[] {
  return 'nodes' in client && typeof (client as Cluster).nodes === 'function' && !('stream' in client) ? (client as Cluster).nodes('all') : [client as Redis];
}

export function watchRedis(client: Redis | Cluster): RedisTraffic {
  const watched = connections(client).map(watchConnection);
  const sum = (f: (t: RedisTraffic) => number) => watched.reduce((n, t) => n + f(t), 0);
  return {
    get roundTrips() { return sum((t) => t.roundTrips); },
    get commands() { return sum((t) => t.commands); },
    get writes() { return watched.flatMap((t) => t.writes); },
    stop() {
      for (const t of watched) t.stop();
      return { roundTrips: sum((t) => t.roundTrips), commands: sum((t) => t.commands) };
    },
  };
}

function watchConnection(redis: Redis): RedisTraffic {
  const stream = (redis as unknown as { stream: { write: (...a: unknown[]) => boolean } }).stream;
  const write = stream.write;
  let roundTrips = 0;
  let commands = 0;
  const writes: string[][] = [];
  stream.write = function (this: unknown, chunk: unknown, ...rest: unknown[]) {
    roundTrips++;
    const names = commandNames(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    writes.push(names);
    commands += names.length;
    return write.call(this, chunk, ...rest);
  };
  return {
    get roundTrips() { return roundTrips; },
    get commands() { return commands; },
    writes,
    stop() {
      stream.write = write;
      return { roundTrips, commands };
    },
  };
}

/** RESP requests are arrays of bulk strings: `*<n>\r\n` then n × `$<len>\r\n<bytes>\r\n`. */
function commandNames(buf: Buffer): string[] {
  let at = 0;
  const names: string[] = [];
  const line = () => {
    const end = buf.indexOf('\r\n', at);
    const value = Number(buf.subarray(at + 1, end).toString());
    at = end + 2;
    return value;
  };
  while (at < buf.length && buf[at] === 0x2a /* '*' */) {
    const parts = line();
    for (let i = 0; i < parts; i++) {
      const len = line();
      if (i === 0) names.push(buf.subarray(at, at + len).toString().toLowerCase());
      at += len + 2;
    }
  }
  return names;
}

/**
 * Resolves once the client has had no command awaiting a reply for three polls in a row: work an
 * earlier step set going in the background (chat announcements, a conversation's mirror) is over,
 * so a count that starts now counts only what comes next. Chained steps follow each other within
 * a millisecond on loopback; three polls 20 ms apart see no gap that is not the end.
 */
export async function redisIdle(client: Redis | Cluster): Promise<void> {
  const pending = () => connections(client).reduce((n, c) => n + (c as unknown as { commandQueue: { length: number } }).commandQueue.length, 0);
  let streak = 0;
  await waitFor(() => (streak = pending() === 0 ? streak + 1 : 0) >= 3, { timeout: 10_000, interval: 20, message: 'the backend kept talking to Redis' });
}
