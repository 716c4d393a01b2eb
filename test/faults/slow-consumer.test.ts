// Slow consumer: a chat client that stops reading (its TCP window fills) while its user's task
// streams megabytes. The backend must not buffer that stream for it without bound: it cuts the
// stalled connection (the client resumes with chat:resume when it comes back), so what it holds
// for it stays under a cap however much is streamed, while a healthy chat of the same user gets
// every chunk. The backend runs in process here so the test can read, every 20 ms, how many
// unsent bytes each connection holds (RSS of a child is too noisy: GC runs when it likes).
import assert from 'node:assert/strict';
import { TestChat, TestDevice, api } from '../support/clients';
import { waitFor } from '../support/wait';
import { FULL, recordFigure, scaled } from './support/figures';
import { RawSocket } from './support/rawSocket';
import { startStack, type Stack } from './support/stack';
import { MAX_UNSENT_BYTES, unsentBytes } from '../../backend/src/realtime/slowConsumers';

const QUIET = {
  WEGENT_HEARTBEAT_INTERVAL_MS: '1000', WEGENT_ONLINE_TTL_MS: '600000', WEGENT_MONITOR_INTERVAL_MS: '600000',
  // This is about what the backend holds for a reader, not what it stores: lift the per-subtask
  // stream cap and the progress rate so hundreds of MB can stream through one subtask.
  WEGENT_MAX_SUBTASK_EVENT_BYTES: String(2 ** 40), WEGENT_MAX_SUBTASK_EVENTS: '1000000', WEGENT_PROGRESS_POINTS_PER_SECOND: '100000',
};
const MB = 1024 * 1024;

async function metric(stack: Stack, name: string): Promise<number> {
  const text = (await api(stack.backend.url, 'GET', '/metrics')).body as string;
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

describe('faults: a chat client that stops reading', function () {
  this.timeout(FULL ? 600_000 : 180_000);
  let stack: Stack;

  before(async () => {
    stack = await startStack({ env: QUIET, users: 1, inProcess: true });
  });
  after(async () => stack?.stop());

  it('cuts the stalled client and keeps backend memory flat while the stream goes on', async () => {
    const token = stack.users[0].token;
    const device = await TestDevice.connect({ url: stack.backend.url, token, deviceId: 'slow-dev' });
    const reader = await TestChat.connect({ url: stack.backend.url, token });
    const slow = await RawSocket.open(stack.backend.url);
    assert.match(await slow.join('/chat', token), /^40/);
    const tcp = (slow.ws as unknown as { _socket: import('node:net').Socket })._socket;
    tcp.pause(); // never read again: the kernel buffers fill and the server has to hold or drop
    const sent = await reader.sendOk({ device_id: 'slow-dev', message: 'stream a lot' });
    await device.waitForExecute(sent.subtask_id);
    const piece = 'y'.repeat(900_000);
    const rounds = scaled(2, 10);
    const perRound = scaled(25, 40); // × 0.9 MB: more than the cap in every round
    // Sample what the backend holds for each connection while the stream runs.
    const clients = () => Object.values((stack.backend.app!.io.engine as unknown as { clients: Record<string, Parameters<typeof unsentBytes>[0]> }).clients);
    let maxHeld = 0;
    const sampler = setInterval(() => {
      for (const c of clients()) maxHeld = Math.max(maxHeld, unsentBytes(c));
    }, 20);
    try {
      for (let r = 0; r < rounds; r++) {
        for (let i = 0; i < perRound; i++) assert.equal((await device.text(sent.subtask_id, piece)).ok, true);
        await waitFor(() => reader.chunks(sent.subtask_id).length === (r + 1) * perRound, { timeout: 60_000, message: 'the healthy reader fell behind' });
        // Cut by the guard, well before Socket.IO's ping timeout (20 s) would have done it.
        if (r === 0) await waitFor(() => clients().length === 2, { timeout: 5_000, message: 'the stalled connection was not cut after the first round' });
      }
    } finally {
      clearInterval(sampler);
    }
    const streamedMb = Math.round((rounds * perRound * piece.length) / MB);
    recordFigure('slow consumer', { streamedMb, maxHeldForOneConnectionMb: Math.round(maxHeld / MB), capMb: MAX_UNSENT_BYTES / MB });
    // The cap plus what one sweep period lets through, never the whole stream.
    assert.ok(maxHeld < MAX_UNSENT_BYTES + 24 * MB, `the backend held ${Math.round(maxHeld / MB)} MB for a stalled client while ${streamedMb} MB streamed`);
    const chatSockets = await metric(stack, 'wegent_chat_sockets');
    assert.equal(chatSockets, 1, 'the stalled chat socket is still held by the backend');
    // The healthy reader got every chunk once, in order.
    assert.deepEqual(reader.chunks(sent.subtask_id).map((c) => c.seq), Array.from({ length: rounds * perRound }, (_, i) => i + 1));
    slow.close();
    reader.close();
    device.close();
  });
});
