// Attachments on the real backend and Redis: upload, send, the device's one fetch, deletion, the
// refusals (size, type, count, unknown, another account's, another device's), and expiry.
import assert from 'node:assert/strict';
import type { TaskExecute } from '@wegent/shared';
import { startRedis, redisClient, scanKeys, type TestRedis } from '../../test/support/redis';
import { startBackend, createUser, FAST_TIMING, type TestBackend, type TestUser } from '../../test/support/backend';
import { TestChat, TestDevice, api } from '../../test/support/clients';
import { fetchAsDevice, png, upload, uploadOk } from '../../test/support/attachments';
import { waitFor } from '../../test/support/wait';

describe('attachments: upload, one fetch by the device, never anyone else', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let backend: TestBackend;
  let alice: TestUser;
  let bob: TestUser;
  let store: ReturnType<typeof redisClient>;
  const open: { close(): void }[] = [];
  let n = 0;

  before(async () => {
    redis = await startRedis();
    backend = await startBackend({ redisUrl: redis.url, env: { ...FAST_TIMING, WEGENT_ATTACHMENT_UNUSED_TTL_MS: '1500' } });
    alice = await createUser(backend);
    bob = await createUser(backend);
    store = redisClient(redis.url);
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  after(async () => {
    store?.disconnect();
    await backend?.stop();
    await redis?.stop();
  });

  async function pair(user: TestUser) {
    const device = await TestDevice.connect({ url: backend.url, token: user.token, deviceId: `att-dev-${++n}` });
    const chat = await TestChat.connect({ url: backend.url, token: user.token });
    open.push(device, chat);
    return { device, chat };
  }
  const attachmentKeys = async (id: string) => (await scanKeys(store, `*attachment*`)).filter((k) => k.includes(id));

  it('an image and a file reach the device once, are gone after, and history keeps their names and sizes', async () => {
    const { device, chat } = await pair(alice);
    const image = png(16);
    const notes = Buffer.from('{"a": 1}\n');
    const up = await upload(backend.url, alice.token, 'shot.png', 'image/png', image);
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const { name, media_type, size, kind } = up.body.attachment;
    assert.deepEqual({ name, media_type, size, kind }, { name: 'shot.png', media_type: 'image/png', size: image.length, kind: 'image' });
    // A JSON file is a file: the JSON body parser never sees it.
    const fileId = await uploadOk(backend.url, alice.token, '../../etc/notes.json', 'application/json', notes);
    const sent = await chat.sendOk({ device_id: device.deviceId, message: 'look at these', attachments: [up.body.attachment.attachment_id, fileId] });
    const start = await chat.waitForEvent('chat:start', (p) => p.subtask_id === sent.subtask_id);
    assert.deepEqual(start.attachments.map((a: { name: string; kind: string }) => [a.name, a.kind]), [['shot.png', 'image'], ['notes.json', 'file']]);

    const exec = await waitFor(() => device.executes.find((e) => e.subtask_id === sent.subtask_id));
    const refs = (exec as TaskExecute).attachments!;
    assert.equal(refs.length, 2);
    const got = await fetchAsDevice(backend.url, alice.token, sent.subtask_id, refs[0]);
    assert.equal(got.status, 200);
    assert.ok(got.bytes.equals(image), 'the image arrives byte for byte');
    assert.ok((await fetchAsDevice(backend.url, alice.token, sent.subtask_id, refs[1])).bytes.equals(notes));
    const again = await fetchAsDevice(backend.url, alice.token, sent.subtask_id, refs[0]);
    assert.equal(again.status, 404);
    assert.equal(again.body.error.code, 'ATTACHMENT_NOT_FOUND');
    for (const r of refs) assert.deepEqual(await attachmentKeys(r.attachment_id), [], 'deleted once every subtask that needs it has it');

    const detail = await api(backend.url, 'GET', `/api/tasks/${sent.task_id}`, { token: alice.token });
    assert.deepEqual(detail.body.subtasks[0].attachments.map((a: { name: string; size: number }) => [a.name, a.size]), [['shot.png', image.length], ['notes.json', notes.length]]);
    assert.ok(!JSON.stringify(detail.body).includes(image.toString('base64')), 'history holds metadata only');
  });

  it('another account, another device and a wrong key cannot read it; another account cannot send it', async () => {
    const { device, chat } = await pair(alice);
    const other = await pair(alice); // alice's second device: never sent the key
    const bobs = await pair(bob);
    const id = await uploadOk(backend.url, alice.token, 'a.png', 'image/png', png());
    const stolen = await bobs.chat.send({ device_id: bobs.device.deviceId, message: 'mine now', attachments: [id] });
    assert.ok(!stolen.ok && stolen.error.code === 'ATTACHMENT_NOT_FOUND', JSON.stringify(stolen));
    assert.equal((await api(backend.url, 'GET', '/api/tasks', { token: bob.token })).body.tasks.length, 0, 'a refused send leaves nothing behind');

    const sent = await chat.sendOk({ device_id: device.deviceId, message: 'x', attachments: [id] });
    const ref = (await waitFor(() => device.executes.find((e) => e.subtask_id === sent.subtask_id)))!.attachments![0];
    assert.equal(other.device.executes.length, 0);
    const tries = [
      await fetchAsDevice(backend.url, bob.token, sent.subtask_id, ref), // another account, with the key
      await fetchAsDevice(backend.url, alice.token, sent.subtask_id, { attachment_id: id, fetch_key: 'guess' }), // no key
      await fetchAsDevice(backend.url, alice.token, 'sub_00000000_x', ref), // another subtask
    ];
    for (const t of tries) assert.equal(t.body?.error?.code, 'ATTACHMENT_NOT_FOUND', JSON.stringify(t.body));
    const none = await fetch(`${backend.url}/api/attachments/${id}?subtask_id=${sent.subtask_id}`);
    assert.equal(none.status, 401);
    assert.equal((await fetchAsDevice(backend.url, alice.token, sent.subtask_id, ref)).status, 200, 'still there for its device');
  });

  it('refuses over-size, wrong type, too many, unknown and nameless with clear codes', async () => {
    const { device, chat } = await pair(alice);
    // Refused before its body is read, and the connection closed: the client may see the 413, or
    // (still writing its body) only the reset that follows it. Either is the refusal.
    const big = await upload(backend.url, alice.token, 'big.png', 'image/png', Buffer.concat([png(), Buffer.alloc(5 * 1024 * 1024)])).catch((err: Error) => err);
    if (!(big instanceof Error)) {
      assert.equal(big.status, 413);
      assert.equal(big.body.error.code, 'PAYLOAD_TOO_LARGE');
      assert.match(big.body.error.message, /at most 5 MB/);
    }
    assert.equal((await scanKeys(store, '*attachment*')).length, 0, 'nothing stored');
    const svg = await upload(backend.url, alice.token, 'x.svg', 'image/svg+xml', Buffer.from('<svg/>'));
    assert.equal(svg.status, 415);
    assert.equal(svg.body.error.code, 'UNSUPPORTED_TYPE');
    const fake = await upload(backend.url, alice.token, 'fake.png', 'image/png', Buffer.from('not a png'));
    assert.equal(fake.body.error.code, 'UNSUPPORTED_TYPE');
    assert.match(fake.body.error.message, /not a PNG image/);
    const empty = await upload(backend.url, alice.token, 'e.txt', 'text/plain', Buffer.alloc(0));
    assert.equal(empty.body.error.code, 'INVALID_PAYLOAD');
    const nameless = await upload(backend.url, alice.token, '', 'text/plain', Buffer.from('x'));
    assert.equal(nameless.body.error.code, 'INVALID_PAYLOAD');

    const ids = Array.from({ length: 11 }, (_, i) => `att_00000000_${i}`);
    const many = await chat.send({ device_id: device.deviceId, message: 'x', attachments: ids });
    assert.ok(!many.ok && many.error.code === 'INVALID_PAYLOAD' && /attachments.*at most 10/.test(many.error.message), JSON.stringify(many));
    const unknown = await chat.send({ device_id: device.deviceId, message: 'x', attachments: ['att_00000000_nope'] });
    assert.ok(!unknown.ok && unknown.error.code === 'ATTACHMENT_NOT_FOUND' && /Attach the file again/.test(unknown.error.message));
    // Each within its own limit, together past a message's 25 MB.
    const nine = Buffer.alloc(9 * 1024 * 1024, 7);
    const parts = [await uploadOk(backend.url, alice.token, 'a.bin', 'application/octet-stream', nine)];
    parts.push(await uploadOk(backend.url, alice.token, 'b.bin', 'application/octet-stream', nine), await uploadOk(backend.url, alice.token, 'c.bin', 'application/octet-stream', nine));
    const heavy = await chat.send({ device_id: device.deviceId, message: 'x', attachments: parts });
    assert.ok(!heavy.ok && heavy.error.code === 'PAYLOAD_TOO_LARGE' && /at most 25\.0 MB/.test(heavy.error.message), JSON.stringify(heavy));
    assert.equal(device.executes.length, 0);
  });

  it('a message cancelled before its device fetched them leaves nothing behind', async () => {
    const { device, chat } = await pair(alice);
    device.ackMode = 'withhold';
    const id = await uploadOk(backend.url, alice.token, 'never.txt', 'text/plain', Buffer.from('never'));
    const sent = await chat.sendOk({ device_id: device.deviceId, message: 'x', attachments: [id] });
    assert.ok((await chat.cancel(sent.subtask_id)).ok);
    await chat.waitForDone(sent.subtask_id);
    await waitFor(async () => (await attachmentKeys(id)).length === 0, { message: 'the cancelled message\'s attachment was kept' });
  });

  it('an upload never sent expires with nothing left behind, and then cannot be sent', async () => {
    const { device, chat } = await pair(alice);
    const id = await uploadOk(backend.url, alice.token, 'late.txt', 'text/plain', Buffer.from('late'));
    assert.equal((await attachmentKeys(id)).length, 2);
    await waitFor(async () => (await scanKeys(store, `*{${id.split('_')[1]}}*attachment*`)).length === 0, { timeout: 10_000, message: 'the upload and its index entry never expired' });
    const late = await chat.send({ device_id: device.deviceId, message: 'x', attachments: [id] });
    assert.ok(!late.ok && late.error.code === 'ATTACHMENT_NOT_FOUND');
  });
});
