// A chunk skips the streams adapter when no other backend node shares the Redis (issue 17: on one
// node every chat:chunk was encoded, written to the adapter's stream and read back for nothing),
// and still reaches a chat on any other node — one there before the chunk, and one that starts
// mid-stream. The registry is the ZSET wg:nodes (realtime/peers.ts); the adapter's stream is
// wg:socket.io, read here to see which chunks went through it.
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { monitorCommands, redisClient, startRedis, type TestRedis } from '../../test/support/redis';
import { startBackend, createUser, type TestBackend, type TestUser } from '../../test/support/backend';
import { TestChat, TestDevice } from '../../test/support/clients';
import { waitFor } from '../../test/support/wait';
import { nodeBeat } from '../src/store/scripts/nodes';

/** Entries of the adapter's stream that carry a chat:chunk of `subtaskId`. */
async function chunksInStream(redis: Redis, subtaskId: string): Promise<number> {
  const entries = await redis.xrange('wg:socket.io', '-', '+');
  return entries.filter(([, fields]) => fields.some((f) => f.includes('chat:chunk') && f.includes(subtaskId))).length;
}

describe('peers: chunks go through the adapter only when another node may need them', function () {
  this.timeout(90_000);
  let redis: TestRedis;
  let store: Redis;
  let a: TestBackend;
  let b: TestBackend | undefined;
  let alice: TestUser;
  const open: { close(): void }[] = [];

  before(async function () {
    // On a Redis Cluster the sharded adapter sends a room's broadcasts only to nodes that hold it.
    if (process.env.WEGENT_TEST_REDIS === 'cluster') this.skip();
    redis = await startRedis();
    store = redisClient(redis.url) as Redis;
    a = await startBackend({ redisUrl: redis.url });
    alice = await createUser(a);
  });
  after(async () => {
    for (const c of open.splice(0)) c.close();
    store?.disconnect();
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
  });

  async function stream(deviceId: string) {
    const device = await TestDevice.connect({ url: a.url, token: alice.token, deviceId });
    const chatA = await TestChat.connect({ url: a.url, token: alice.token });
    open.push(device, chatA);
    const sent = await chatA.sendOk({ device_id: deviceId, message: 'stream' });
    await device.waitForExecute(sent.subtask_id);
    const send = async (from: number, to: number) => {
      for (let i = from; i <= to; i++) assert.ok((await device.text(sent.subtask_id, `${i},`)).ok);
    };
    return { device, chatA, subtaskId: sent.subtask_id, send };
  }

  it('one node: the chat gets every chunk and none goes into the adapter stream', async () => {
    assert.equal(await store.zcard('wg:nodes'), 1, 'the node registered itself');
    assert.doesNotMatch(a.logs(), /never read its own probe/, 'it registered once its stream reader was reading');
    const s = await stream('alone');
    await s.send(1, 5);
    await waitFor(() => s.chatA.chunks(s.subtaskId).length === 5, { message: 'the chat on the node missed chunks' });
    assert.deepEqual(s.chatA.chunks(s.subtaskId).map((c) => c.seq), [1, 2, 3, 4, 5]);
    assert.equal(await chunksInStream(store, s.subtaskId), 0);
  });

  it('one node: task:execute goes straight to the device, no adapter command carries it', async () => {
    const seen: string[] = [];
    const stop = await monitorCommands(redis.url, (args) => {
      if (args.some((a) => a.includes('task:execute'))) seen.push(args[0]);
    });
    try {
      const device = await TestDevice.connect({ url: a.url, token: alice.token, deviceId: 'direct' });
      const chat = await TestChat.connect({ url: a.url, token: alice.token });
      open.push(device, chat);
      const sent = await chat.sendOk({ device_id: 'direct', message: 'straight there' });
      await device.waitForExecute(sent.subtask_id);
      // A chunk after it goes through Redis (the progress script): MONITOR has shown everything before it.
      assert.ok((await device.text(sent.subtask_id, 'done')).ok);
      await waitFor(() => chat.chunks(sent.subtask_id).length === 1);
      assert.deepEqual(seen, [], 'the adapter published task:execute');
    } finally {
      stop();
    }
  });

  it('a node that starts mid-stream: its chat catches up from storage, then gets every later chunk live', async () => {
    const s = await stream('joined');
    await s.send(1, 3);
    await waitFor(() => s.chatA.chunks(s.subtaskId).length === 3);
    assert.equal(await chunksInStream(store, s.subtaskId), 0, 'alone so far');

    b = await startBackend({ redisUrl: redis.url });
    assert.equal(await store.zcard('wg:nodes'), 2, 'node B registered before it took connections');
    const chatB = await TestChat.connect({ url: b.url, token: alice.token });
    open.push(chatB);
    const resumed = await chatB.resume(s.subtaskId);
    assert.ok(resumed.ok);
    assert.deepEqual(resumed.chunks!.map((c) => c.seq), [1, 2, 3]);

    await s.send(4, 6);
    await waitFor(() => chatB.chunks(s.subtaskId).length === 3, { message: 'node B\'s chat missed live chunks' });
    assert.deepEqual(chatB.chunks(s.subtaskId).map((c) => c.seq), [4, 5, 6]);
    assert.equal(await chunksInStream(store, s.subtaskId), 3, 'the chunks for node B went through the stream');
  });

  it('a device on a node that just started gets its task from a node that thought itself alone', async () => {
    // Node A's last beat may predate B: its first task:execute then reaches no socket here, and the
    // loop sends it again through the adapter (peers.ts) — the device must get it either way.
    const device = await TestDevice.connect({ url: b!.url, token: alice.token, deviceId: 'on-b' });
    const chatA = await TestChat.connect({ url: a.url, token: alice.token });
    open.push(device, chatA);
    const sent = await chatA.sendOk({ device_id: 'on-b', message: 'across' });
    await device.waitForExecute(sent.subtask_id);
    assert.ok((await device.text(sent.subtask_id, 'from b')).ok);
    await waitFor(() => chatA.chunks(sent.subtask_id).length === 1, { message: 'the chat on A missed the chunk from B' });
  });

  it('a node that stops leaves the registry: the other keeps its chunks to itself again', async () => {
    await b!.stop();
    b = undefined;
    assert.equal(await store.zcard('wg:nodes'), 1, 'node B left on its way out');
    const s = await stream('left');
    await s.send(1, 4);
    await waitFor(() => s.chatA.chunks(s.subtaskId).length === 4);
    assert.equal(await chunksInStream(store, s.subtaskId), 0);
  });

  it('a node that died without leaving is dropped by the next beat of any other', async () => {
    await store.zadd('wg:nodes', 1, 'node_crashed_long_ago');
    assert.equal(await nodeBeat(store, { nodeId: 'node_probe', ttlMs: 15_000 }), 1, 'node A, not the dead one, besides this one');
    assert.equal(await store.zscore('wg:nodes', 'node_crashed_long_ago'), null);
    await store.zrem('wg:nodes', 'node_probe');
  });
});
