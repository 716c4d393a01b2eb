// Attachments on a Redis Cluster (three shards): an upload, its claim and its fetch touch keys of one
// slot (the uploader's home, keys.ts), also when the subtask lives at another home (a cloud pool
// device's: the operator's). Fetched by the device that runs it only; nothing left after.
import assert from 'node:assert/strict';
import type { TaskExecute } from '@wegent/shared';
import { startRedisCluster, type TestRedisCluster } from '../../test/support/redisCluster';
import { redisClient, scanKeys } from '../../test/support/redis';
import { startBackend, createUser, FAST_TIMING, type TestBackend } from '../../test/support/backend';
import { TestChat, TestDevice } from '../../test/support/clients';
import { fetchAsDevice, png, uploadOk } from '../../test/support/attachments';
import { waitFor } from '../../test/support/wait';

describe('attachments on a Redis Cluster: own device and the cloud pool', function () {
  this.timeout(120_000);
  let cluster: TestRedisCluster;
  let backend: TestBackend;
  const open: { close(): void }[] = [];

  before(async function () {
    this.timeout(120_000);
    cluster = await startRedisCluster({ masters: 3 });
    backend = await startBackend({ redisUrl: cluster.url, env: FAST_TIMING });
  });
  after(async () => {
    for (const c of open) c.close();
    await backend?.stop();
    await cluster?.stop();
  });

  it('delivers to an own device and to a pool device, each once, to that device only', async () => {
    const alice = await createUser(backend);
    const operator = await createUser(backend, { role: 'operator' });
    const own = await TestDevice.connect({ url: backend.url, token: alice.token, deviceId: 'att-own' });
    const pool = await TestDevice.connect({ url: backend.url, token: operator.token, deviceId: 'att-pool', mode: 'cloud' });
    const chat = await TestChat.connect({ url: backend.url, token: alice.token });
    open.push(own, pool, chat);
    const image = png(10);
    for (const [device, target, token] of [[own, 'att-own', alice.token], [pool, 'cloud', operator.token]] as const) {
      const id = await uploadOk(backend.url, alice.token, 'x.png', 'image/png', image);
      const sent = await chat.sendOk({ device_id: target, message: `to ${target}`, attachments: [id] });
      const exec = (await waitFor(() => device.executes.find((e) => e.subtask_id === sent.subtask_id))) as TaskExecute;
      const ref = exec.attachments![0];
      if (target === 'cloud') {
        const notHers = await fetchAsDevice(backend.url, alice.token, sent.subtask_id, ref);
        assert.equal(notHers.body?.error?.code, 'ATTACHMENT_NOT_FOUND', 'the pool device is not the user\'s');
      }
      const got = await fetchAsDevice(backend.url, token, sent.subtask_id, ref);
      assert.equal(got.status, 200, JSON.stringify(got.body));
      assert.ok(got.bytes.equals(image));
      assert.equal((await fetchAsDevice(backend.url, token, sent.subtask_id, ref)).status, 404, 'once');
    }
    const store = redisClient(cluster.url);
    try {
      assert.deepEqual(await scanKeys(store, '*attachment*'), []);
    } finally {
      store.disconnect();
    }
  });
});
