// One typed Lua script: its file (lua/<name>-<keys>.lua), how its KEYS and ARGV are built from a
// typed input, and how its reply is decoded. The keys come from keys.ts only, built here in
// TypeScript and passed as KEYS: a script never builds a key name, so every key it touches is
// declared (which Redis Cluster requires). It runs as EVALSHA; EVAL carries the source the first
// time on a client, and again when Redis answers NOSCRIPT (restarted, failed over, another node).
//
// Scripts are not ioredis defineCommand()s: each auto-pipeline is a new ioredis Pipeline that
// copies every defined command onto itself, and with thirty-odd scripts that copy was a good part
// of every round trip's CPU (docs/performance.md, fifth pass).
import { createHash } from 'node:crypto';
import { Command } from 'ioredis';
import type { RedisClient } from './redis';
import { loadScript, type LoadedScript } from './lua/loader';

export type { RedisClient } from './redis';

export type Arg = string | number;

export interface ScriptCall {
  keys: string[];
  args: Arg[];
}

export type Script<I, R> = (redis: RedisClient, input: I) => Promise<R>;

export interface ScriptOptions {
  /**
   * Written at once instead of through the auto-pipeline. For a script that is usually the only
   * command of its tick (task:progress: one message in flight per stream), whose caller has
   * nothing queued in the same tick that it must follow: written at once, it goes out ahead.
   */
  unpipelined?: boolean;
}

/** A script's source and digest, ready to run. */
export interface RunnableScript extends LoadedScript {
  sha: string;
}

export function runnable(file: string): RunnableScript {
  const s = loadScript(file);
  return { ...s, sha: createHash('sha1').update(s.lua).digest('hex') };
}

/** Digests each client has run with EVAL (so Redis holds them) since its last NOSCRIPT. */
const loaded = new WeakMap<RedisClient, Set<string>>();

function issue(redis: RedisClient, name: 'evalsha' | 'eval', args: Arg[], buffer: boolean, unpipelined: boolean): Promise<unknown> {
  if (unpipelined) {
    const command = new Command(name, args, { replyEncoding: buffer ? null : 'utf8' });
    void redis.sendCommand(command);
    return command.promise;
  }
  const client = redis as unknown as Record<string, (...a: Arg[]) => Promise<unknown>>;
  return client[buffer ? `${name}Buffer` : name](...args);
}

/** Runs `script` with KEYS and ARGV in `keysAndArgs`; `buffer`: the reply's strings as Buffers. */
export async function runScript(redis: RedisClient, script: RunnableScript, keysAndArgs: Arg[], opts: ScriptOptions & { buffer?: boolean } = {}): Promise<unknown> {
  let known = loaded.get(redis);
  if (!known) loaded.set(redis, (known = new Set()));
  const { buffer = false, unpipelined = false } = opts;
  const evalSource = async () => {
    const reply = await issue(redis, 'eval', [script.lua, script.numberOfKeys, ...keysAndArgs], buffer, unpipelined);
    known.add(script.sha);
    return reply;
  };
  if (!known.has(script.sha)) return evalSource();
  try {
    return await issue(redis, 'evalsha', [script.sha, script.numberOfKeys, ...keysAndArgs], buffer, unpipelined);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    known.delete(script.sha);
    return evalSource();
  }
}

export function defineScript<I, R>(file: string, call: (input: I) => ScriptCall, decode: (reply: unknown) => R, opts: ScriptOptions = {}): Script<I, R> {
  const script = runnable(file);
  return async (redis, input) => {
    const { keys, args } = call(input);
    if (keys.length !== script.numberOfKeys) throw new Error(`${file}.lua takes ${script.numberOfKeys} keys, got ${keys.length}`);
    return decode(await runScript(redis, script, [...keys, ...args], opts));
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
