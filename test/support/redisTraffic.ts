// Shared test helper: what one ioredis client sends to Redis while some work runs.
//
//   const traffic = watchRedis(backend.app!.services.redis);   // an in-process backend's command connection
//   ... the work ...
//   traffic.stop();   // { roundTrips, commands }
//
// roundTrips counts writes on the client's socket. ioredis (auto-pipelining on) writes each pipeline
// — every command issued in one tick — in a single write, and waits for all of their replies
// together; so, on a quiet backend, writes are the round trips a path costs. commands counts the
// commands in those writes (a Lua script is one: EVALSHA). Nothing is changed: the write goes on.
import type { Redis } from 'ioredis';

export interface RedisTraffic {
  readonly roundTrips: number;
  readonly commands: number;
  /** Stops counting and returns the figures. */
  stop(): { roundTrips: number; commands: number };
}

export function watchRedis(redis: Redis): RedisTraffic {
  const stream = (redis as unknown as { stream: { write: (...a: unknown[]) => boolean } }).stream;
  const write = stream.write;
  let roundTrips = 0;
  let commands = 0;
  stream.write = function (this: unknown, chunk: unknown, ...rest: unknown[]) {
    roundTrips++;
    commands += countCommands(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    return write.call(this, chunk, ...rest);
  };
  return {
    get roundTrips() { return roundTrips; },
    get commands() { return commands; },
    stop() {
      stream.write = write;
      return { roundTrips, commands };
    },
  };
}

/** RESP requests are arrays of bulk strings: `*<n>\r\n` then n × `$<len>\r\n<bytes>\r\n`. */
function countCommands(buf: Buffer): number {
  let at = 0;
  let count = 0;
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
      at += len + 2;
    }
    count++;
  }
  return count;
}
