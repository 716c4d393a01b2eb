// The webview half of shared/src/bridge.ts, against a scripted host in a real DOM (jsdom): the
// message shapes it sends, how replies are matched by id, and that a confused or silent host can
// never crash the page or leave a call hanging. (The real host bridge is exercised in
// test/e2e/vscode-host.test.ts.)
import assert from 'node:assert/strict';
import { JSDOM } from 'jsdom';
import type { HostToWebview, WebviewToHost } from '@wegent/shared';
import { VsCodeTransport, type VsCodeApi } from '../src/transport/vscode';
import { waitFor } from '../../test/support/wait';
import type { TransportEvent } from '../src/transport/types';

function setup(replyTimeoutMs?: number) {
  const dom = new JSDOM('<!doctype html><body></body>');
  const window = dom.window as unknown as Window;
  const posted: WebviewToHost[] = [];
  let saved: unknown;
  const api: VsCodeApi = {
    postMessage: (m) => posted.push(m as WebviewToHost),
    getState: () => saved,
    setState: (s) => (saved = s),
  };
  const transport = new VsCodeTransport(api, window, replyTimeoutMs);
  const events: TransportEvent[] = [];
  transport.subscribe((e) => events.push(e));
  // The host answers through window messages, as VS Code delivers webview.postMessage.
  const fromHost = (m: HostToWebview | unknown) => dom.window.dispatchEvent(new dom.window.MessageEvent('message', { data: m }));
  return { dom, transport, posted, events, fromHost, saved: () => saved };
}

const info = { host: 'vscode' as const, locale: 'zh-cn', backend_url: 'http://127.0.0.1:8080', signed_in: true };

describe('VS Code transport (webview side of the bridge)', () => {
  it('says ready, and starts with the host info from init', async () => {
    const { transport, posted, fromHost, events } = setup();
    const started = transport.start();
    assert.deepEqual(posted, [{ type: 'ready' }]);
    fromHost({ type: 'init', info });
    assert.deepEqual(await started, info);
    assert.deepEqual(events, [{ type: 'info', info }]);
  });

  it('matches each reply to its request by id, in any order', async () => {
    const { transport, posted, fromHost } = setup();
    const send = transport.request('chat:send', { device_id: 'cloud', message: 'hi' });
    const devices = transport.http('GET', '/api/devices');
    const [req, http] = posted as [Extract<WebviewToHost, { type: 'request' }>, Extract<WebviewToHost, { type: 'http' }>];
    assert.equal(req.type, 'request');
    assert.equal(req.event, 'chat:send');
    assert.deepEqual(req.payload, { device_id: 'cloud', message: 'hi' });
    assert.deepEqual({ type: http.type, method: http.method, path: http.path }, { type: 'http', method: 'GET', path: '/api/devices' });
    assert.notEqual(req.id, http.id);
    fromHost({ type: 'httpResponse', id: http.id, reply: { status: 200, body: { devices: [] } } });
    fromHost({ type: 'response', id: req.id, ack: { ok: true, task_id: 't', subtask_id: 's', status: 'running' } });
    assert.deepEqual(await devices, { status: 200, body: { devices: [] } });
    assert.deepEqual(await send, { ok: true, task_id: 't', subtask_id: 's', status: 'running' });
  });

  it('sends an attachment as an upload message with its bytes in base64, answered like an HTTP call', async () => {
    const { dom, transport, posted, fromHost } = setup();
    const bytes = new Uint8Array(70_000).map((_, i) => i % 251); // more than one chunk of the encoder
    const up = transport.upload!(new dom.window.Blob([bytes]) as unknown as Blob, 'a.bin', 'application/octet-stream');
    await waitFor(() => posted.length > 0, { message: 'no upload message was posted' }); // after the blob is read
    const msg = posted[0] as Extract<WebviewToHost, { type: 'upload' }>;
    assert.deepEqual({ type: msg.type, name: msg.name, media_type: msg.media_type }, { type: 'upload', name: 'a.bin', media_type: 'application/octet-stream' });
    assert.ok(Buffer.from(msg.data, 'base64').equals(Buffer.from(bytes)));
    fromHost({ type: 'httpResponse', id: msg.id, reply: { status: 201, body: { attachment: { attachment_id: 'att_1' } } } });
    assert.equal((await up).status, 201);
  });

  it('forwards pushes and connection changes to listeners', () => {
    const { fromHost, events } = setup();
    fromHost({ type: 'connection', status: 'disconnected', message: 'Cannot reach http://x' });
    fromHost({ type: 'push', event: 'chat:chunk', payload: { task_id: 't', subtask_id: 's', seq: 1, events: [] } });
    assert.deepEqual(events, [
      { type: 'connection', status: 'disconnected', message: 'Cannot reach http://x' },
      { type: 'push', event: 'chat:chunk', payload: { task_id: 't', subtask_id: 's', seq: 1, events: [] } },
    ]);
  });

  it('ignores garbage from the host without throwing, and replies for unknown ids', async () => {
    const { transport, posted, fromHost, events } = setup();
    for (const junk of [null, undefined, 42, 'text', [], {}, { type: 'nope' }, { type: 'response', id: 999, ack: { ok: true } }]) fromHost(junk);
    assert.deepEqual(events, []);
    const pending = transport.request('chat:cancel', { subtask_id: 's' });
    const id = (posted.at(-1) as { id: number }).id;
    fromHost({ type: 'response', id, ack: { ok: false, error: { code: 'SUBTASK_NOT_FOUND', message: 'No such task.' } } });
    fromHost({ type: 'response', id, ack: { ok: true } }); // a duplicate reply changes nothing
    assert.deepEqual(await pending, { ok: false, error: { code: 'SUBTASK_NOT_FOUND', message: 'No such task.' } });
  });

  it('answers UNAVAILABLE instead of hanging when the host never replies', async () => {
    const { transport } = setup(50);
    const ack = await transport.request('chat:send', { device_id: 'cloud', message: 'hello?' });
    assert.equal(ack.ok, false);
    assert.equal(!ack.ok && ack.error.code, 'UNAVAILABLE');
    const reply = await transport.http('GET', '/api/devices');
    assert.equal(reply.status, 0);
  });

  it('keeps UI state through the webview state API', () => {
    const { transport, saved } = setup();
    assert.equal(transport.loadState(), undefined);
    transport.saveState({ taskId: 't1', pickedDeviceId: 'd1', draft: 'half a thought' });
    assert.deepEqual(saved(), { taskId: 't1', pickedDeviceId: 'd1', draft: 'half a thought' });
    assert.deepEqual(transport.loadState(), { taskId: 't1', pickedDeviceId: 'd1', draft: 'half a thought' });
  });

  it('relays extension commands', () => {
    const { transport, posted } = setup();
    transport.command('setToken');
    assert.deepEqual(posted, [{ type: 'command', command: 'setToken' }]);
  });
});
