// The registry of live backend nodes (lua/nodeBeat-1.lua): what a node's progress script reads to
// know whether any other node could hold a chat (realtime/peers.ts).
import { keys } from '../keys';
import { defineScript, type RedisClient } from '../script';

export const nodeBeat = defineScript(
  'nodeBeat-1',
  (i: { nodeId: string; ttlMs: number }) => ({ keys: [keys.nodes], args: [i.nodeId, i.ttlMs] }),
  (reply) => Number(reply),
);

/** A node leaving on purpose (shutdown): the others stop counting it at once. */
export async function nodeLeave(redis: RedisClient, nodeId: string): Promise<void> {
  await redis.zrem(keys.nodes, nodeId);
}
