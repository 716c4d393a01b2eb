// Frames no client library would send: Socket.IO frames past the 4 MB limit (WebSocket and HTTP
// long-polling), a text frame of invalid UTF-8, packets nested 100 000 levels deep, payloads whose
// free-form fields (tool_use.input, usage) nest deeper than JSON.stringify can go, and request
// headers past Node's limit. Each is refused — the offending connection closed or the event
// answered with a protocol error — without taking the process down or disturbing anyone else.
import assert from 'node:assert/strict';
import { ErrorCode, LIMITS } from '@wegent/shared';
import { io } from 'socket.io-client';
import { TestChat, TestDevice } from '../support/clients';
import { waitFor } from '../support/wait';
import { assertProtocolAck, assertProtocolError } from './support/acks';
import { recordFigure } from './support/figures';
import { rawRequest } from './support/rawHttp';
import { RawSocket, deepJson } from './support/rawSocket';
import { startStack, type Stack } from './support/stack';

const QUIET = { WEGENT_HEARTBEAT_INTERVAL_MS: '300000', WEGENT_ONLINE_TTL_MS: '600000', WEGENT_MONITOR_INTERVAL_MS: '600000' };

describe('faults: oversized, malformed and deeply nested frames', function () {
  this.timeout(120_000);
  let stack: Stack;
  let bystander: TestChat;
  let bystanderDevice: TestDevice;
  let cases = 0;

  before(async () => {
    stack = await startStack({ env: QUIET, users: 1 });
    bystander = await TestChat.connect({ url: stack.backend.url, token: stack.users[0].token });
    bystanderDevice = await TestDevice.connect({ url: stack.backend.url, token: stack.users[0].token, deviceId: 'frames-bystander', heartbeat: false });
  });
  after(async () => {
    recordFigure('frames', { cases, crashes: 0 });
    bystander?.close();
    bystanderDevice?.close();
    await stack?.stop();
  });
  afterEach(async () => {
    // Everyone else is still served.
    assert.ok(bystander.socket.connected && bystanderDevice.connected, 'a bystander lost its connection');
    const ack = await bystander.resume('sub_none', 0);
    assert.equal(!ack.ok && ack.error.code, ErrorCode.SUBTASK_NOT_FOUND);
    await stack.assertAlive();
  });

  for (const transport of ['websocket', 'polling'] as const) {
    it(`answers a ${transport} event past ${LIMITS.socketFrameBytes} bytes with PAYLOAD_TOO_LARGE, without reading it or dropping the connection`, async () => {
      const socket = io(`${stack.backend.url}/chat`, { auth: { token: stack.users[0].token }, transports: [transport], reconnection: false, forceNew: true });
      try {
        await waitFor(() => socket.connected, { message: 'connect' });
        const disconnects: string[] = [];
        socket.on('disconnect', (r) => disconnects.push(r));
        for (const event of ['chat:send', 'nope']) {
          cases++;
          const ack = await socket.timeout(30_000).emitWithAck(event, { device_id: 'frames-bystander', message: 'x'.repeat(LIMITS.socketFrameBytes + 1_000_000) });
          assertProtocolError(ack.error, `${event} past the limit`);
          assert.equal(ack.error.code, ErrorCode.PAYLOAD_TOO_LARGE);
          assert.match(ack.error.message, new RegExp(`at most ${LIMITS.socketFrameBytes} bytes`));
        }
        assert.deepEqual(disconnects, [], 'the connection was dropped');
        // The same connection goes on being served.
        const ok = await socket.timeout(10_000).emitWithAck('chat:resume', { subtask_id: 'sub_none', after_seq: 0 });
        assert.equal(ok.error.code, ErrorCode.SUBTASK_NOT_FOUND);
      } finally {
        socket.close();
      }
    });

    it(`closes a ${transport} connection whose frame is past ${LIMITS.socketFrameCloseBytes} bytes (too large to read its ack id), and lets it reconnect`, async () => {
      const socket = io(`${stack.backend.url}/chat`, { auth: { token: stack.users[0].token }, transports: [transport], reconnection: false, forceNew: true });
      await waitFor(() => socket.connected, { message: 'connect' });
      const closed = new Promise<{ reason: string; details: unknown }>((r) => socket.once('disconnect', (reason, details) => r({ reason, details })));
      socket.emit('chat:send', { device_id: 'frames-bystander', message: 'x'.repeat(LIMITS.socketFrameCloseBytes + 1_000_000) });
      cases++;
      const { reason, details } = await closed;
      assert.match(reason, /transport (close|error)/);
      // What the client can tell: the WebSocket close code 1009 (message too big), or HTTP 413.
      const d = details as { context?: { code?: number; status?: number }; description?: number };
      if (transport === 'websocket') assert.equal(d.context?.code, 1009, JSON.stringify(details));
      // Polling: HTTP 413, or — when the server closed the request before the client finished writing
      // the body (a loaded machine) — the write's EPIPE/ECONNRESET; either way the server refused it.
      else assert.ok(d.description === 413 || /EPIPE|ECONNRESET/.test(JSON.stringify(d.context ?? {})), JSON.stringify(details));
      socket.connect();
      await waitFor(() => socket.connected, { message: 'reconnect after the refused frame' });
      socket.close();
    });
  }

  it('closes a WebSocket that sends invalid UTF-8 in a text frame', async () => {
    const raw = await RawSocket.open(stack.backend.url);
    await raw.join('/chat', stack.users[0].token);
    raw.sendRaw(Buffer.from([0x34, 0x32, 0x2f, 0xff, 0xfe, 0xc0, 0xaf]), false);
    cases++;
    await waitFor(() => raw.closed, { message: 'connection with invalid UTF-8 not closed' });
    assert.equal(raw.closed?.code, 1007);
  });

  it('survives packets nested 100 000 levels deep on every event', async () => {
    const raw = await RawSocket.open(stack.backend.url);
    assert.match(await raw.join('/chat', stack.users[0].token), /^40/);
    for (const event of ['chat:send', 'chat:cancel', 'chat:resume', 'nope']) {
      cases++;
      const answer = await raw.request('/chat', `"${event}",${deepJson(100_000)}`);
      if (answer) assertProtocolAck(answer[0], `${event} nested 100 000 deep`);
      else assert.ok(raw.closed, `${event}: neither an answer nor a closed connection`);
      if (raw.closed) break;
    }
    raw.close();
  });

  it('refuses free-form fields nested past what the backend can serialise, with INVALID_PAYLOAD, and keeps the stream usable', async () => {
    const raw = await RawSocket.open(stack.backend.url);
    assert.match(await raw.join('/local-executor', stack.users[0].token), /^40/);
    const reg = await raw.request('/local-executor', '"device:register",{"device_id":"frames-raw","name":"Raw device"}');
    assert.equal((reg?.[0] as { ok: boolean }).ok, true);
    const sent = await bystander.sendOk({ device_id: 'frames-raw', message: 'deep' });
    const exec = await waitFor(() => raw.packets.map((p) => p.match(/^42\/local-executor,(\d+)\["task:execute",/)).find(Boolean), { message: 'task:execute' });
    raw.ackServer('/local-executor', exec[1], { ok: true });
    const sub = sent.subtask_id;
    for (const [what, args] of [
      ['tool_use.input', `"task:progress",{"subtask_id":"${sub}","seq":1,"events":[{"type":"tool_use","id":"t1","name":"Write","input":{"a":${deepJson(8000)}}}]}`],
      ['usage', `"task:complete",{"subtask_id":"${sub}","status":"completed","last_seq":0,"usage":{"a":${deepJson(8000)}}}`],
      ['error', `"task:complete",{"subtask_id":"${sub}","status":"failed","last_seq":0,"error":${deepJson(8000)}}`],
    ] as const) {
      cases++;
      const answer = await raw.request('/local-executor', args);
      assert.ok(answer, `${what}: no answer`);
      assertProtocolAck(answer[0], what);
      const a = answer[0] as { ok: boolean; error?: { code: string; message: string } };
      assert.equal(a.ok, false, `${what} nested 8000 deep was accepted`);
      assertProtocolError(a.error, what);
      assert.equal(a.error?.code, ErrorCode.INVALID_PAYLOAD, `${what}: ${a.error?.message}`);
    }
    // The stream still works: seq 1 is free, and nothing of the refused frames reached the chat.
    const ok = await raw.request('/local-executor', `"task:progress",{"subtask_id":"${sub}","seq":1,"events":[{"type":"text","text":"fine"}]}`);
    assert.equal((ok?.[0] as { ok: boolean }).ok, true);
    await waitFor(() => bystander.text(sub) === 'fine', { message: 'the good seq never reached the chat' });
    raw.close();
  });

  it('answers a request whose headers exceed the limit with a protocol error body', async () => {
    cases++;
    const res = await rawRequest(stack.backend.url, 'GET', `/api/tasks/${'x'.repeat(20_000)}`, { headers: { authorization: `Bearer ${stack.users[0].token}` } });
    assert.equal(res.status, 431);
    assertProtocolError(res.json?.error, 'oversized headers');
  });
});
