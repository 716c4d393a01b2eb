// One typed Lua script: its file (lua/<name>-<keys>.lua), how its KEYS and ARGV are built from a
// typed input, and how its reply is decoded. The keys come from keys.ts only, built here in
// TypeScript and passed as KEYS: a script never builds a key name, so every key it touches is
// declared (which Redis Cluster requires). ioredis runs it with EVALSHA and falls back to EVAL.
import type { RedisClient } from './redis';
import { loadScript, scriptFiles } from './lua/loader';

export type { RedisClient } from './redis';

export type Arg = string | number;

export interface ScriptCall {
  keys: string[];
  args: Arg[];
}

export type Script<I, R> = (redis: RedisClient, input: I) => Promise<R>;

type Runner = (...args: Arg[]) => Promise<unknown>;

const prepared = new WeakSet<RedisClient>();

/**
 * Defines every script of lua/ on a client. Call it when the client is made (services.ts does):
 * ioredis copies a client's commands into each auto-pipeline when the pipeline starts, so a script
 * defined while commands of the same tick are already queued would be missing from that pipeline.
 */
export function prepareScripts(redis: RedisClient): void {
  if (prepared.has(redis)) return;
  for (const file of scriptFiles()) {
    const { name, numberOfKeys, lua } = loadScript(file);
    redis.defineCommand(`wg_${name}`, { numberOfKeys, lua });
  }
  prepared.add(redis);
}

export function defineScript<I, R>(file: string, call: (input: I) => ScriptCall, decode: (reply: unknown) => R): Script<I, R> {
  const { name, numberOfKeys, lua } = loadScript(file);
  const command = `wg_${name}`;
  return async (redis, input) => {
    prepareScripts(redis);
    const { keys, args } = call(input);
    if (keys.length !== numberOfKeys) throw new Error(`${file}.lua takes ${numberOfKeys} keys, got ${keys.length}`);
    const run = (redis as unknown as Record<string, Runner>)[command];
    try {
      return decode(await run.call(redis, ...keys, ...args));
    } catch (err) {
      // A node restarted or promoted since ioredis last loaded the script there: an auto-pipeline
      // takes its cached "loaded" for granted and hands back NOSCRIPT. EVAL carries the source.
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return decode(await redis.eval(lua, numberOfKeys, ...keys, ...args));
    }
  };
}

/** Lua has no nested varargs: a list of field/value pairs travels as its length, then the pairs. */
export function pairs(flat: Arg[]): Arg[] {
  return [flat.length, ...flat];
}

/** A Lua array reply of strings (an empty table arrives as []). */
export const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/** HGETALL's flat [field, value, ...] as an object. */
export function hash(flat: unknown): Record<string, string> {
  const list = strings(flat);
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) out[list[i]] = list[i + 1];
  return out;
}
