// A scripted Anthropic-compatible model server on 127.0.0.1 so the REAL Claude Code binary (through the
// real Claude Agent SDK) runs end to end in tests: it streams the standard Messages API SSE sequence,
// lets a test declare what the "model" answers each turn (text, thinking, tool calls, delays, a hang,
// HTTP errors, a dropped connection) and records every request so a test can assert on what Claude
// Code sent (prompt, session history, image blocks, tool results).
//
// Usage:
//   const model = await startModelServer();
//   model.script('WRITE-MARKER', reply(toolUse('Write', { file_path, content })), reply(text('Done.')));
//   const env = model.claudeEnv(tmpHome);          // ANTHROPIC_BASE_URL etc. for the executor
//   ... run a task whose prompt contains WRITE-MARKER ...
//   model.requestsFor('WRITE-MARKER')              // what Claude Code sent
//   await model.close();
//
// Routing: a request is answered by the script whose marker occurs in the LATEST user message of the
// conversation, and within that message the one written last (so a resumed session's follow-up, or a
// prompt that quotes earlier turns, goes to the newer marker, and a tool_result round goes to the
// marker of the prompt that started it). Each script's
// turns are used in order; when a script (or no script) matches and nothing is left, the server
// answers the `fallback` turn (by default the text "OK").
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';

// ---- what a turn can be ----------------------------------------------------------------------

export type Block =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

export interface ReplyOptions {
  /** Split every text/thinking block into this many deltas (default: one delta per ~8 chars, ≤ 20). */
  chunks?: number;
  /** Pause between deltas, ms (default 0). */
  chunkDelayMs?: number;
  /** Pause before the first byte of the response (default 0). */
  delayMs?: number;
  /** Stream the blocks, then keep the response open without finishing (for cancel tests). */
  hang?: boolean;
  /** Stream the blocks, then finish only once this settles (hold a task busy until the test says). */
  gate?: Promise<unknown>;
  /** Defaults to "tool_use" when a tool_use block is present, else "end_turn". */
  stopReason?: string;
  /** The token counts this response reports (default DEFAULT_USAGE); Claude Code adds them up per turn. */
  usage?: ScriptedUsage;
}

export interface ScriptedUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}
/** What every response reports unless its turn says otherwise. */
export const DEFAULT_USAGE: ScriptedUsage = { input_tokens: 10, output_tokens: 20 };

export type Turn =
  | { kind: 'reply'; blocks: Block[]; options: ReplyOptions }
  | { kind: 'http-error'; status: number; errorType: string; message: string }
  /** Sends the response head and `blocks` as deltas, then destroys the TCP connection. */
  | { kind: 'drop'; blocks: Block[] };

export const text = (value: string): Block => ({ type: 'text', text: value });
export const thinking = (value: string): Block => ({ type: 'thinking', thinking: value });
export const toolUse = (name: string, input: Record<string, unknown>, id = `toolu_${randomUUID().replace(/-/g, '').slice(0, 20)}`): Block => ({
  type: 'tool_use',
  id,
  name,
  input,
});
export const reply = (...args: Array<Block | ReplyOptions>): Turn => {
  const blocks = args.filter((a): a is Block => 'type' in a);
  const options = Object.assign({}, ...args.filter((a) => !('type' in a))) as ReplyOptions;
  return { kind: 'reply', blocks, options };
};
/** 529 is Anthropic's "overloaded"; other statuses map to the API's error types. */
export const httpError = (status: number, message = 'Scripted error'): Turn => ({
  kind: 'http-error',
  status,
  errorType: status === 529 ? 'overloaded_error' : status === 401 ? 'authentication_error' : status === 429 ? 'rate_limit_error' : 'api_error',
  message: status === 529 ? 'Overloaded' : message,
});
export const dropConnection = (...blocks: Block[]): Turn => ({ kind: 'drop', blocks });

// ---- what a request looked like ----------------------------------------------------------------

export interface RecordedRequest {
  path: string;
  /** The parsed JSON body as Claude Code sent it. */
  body: any;
  /** The marker of the script that answered it, if any. */
  marker?: string;
  /** Every text block of every user message, joined per message (tool results excluded). */
  userTexts: string[];
  /** Every image block of every user message, in order: its media type and base64 data. */
  images: Array<{ media_type: string; data: string }>;
  /** Every tool_result block in the conversation, as {tool_use_id, is_error, text}. */
  toolResults: Array<{ tool_use_id: string; is_error: boolean; text: string }>;
  /** Set once the server saw the client close the connection before the response finished. */
  clientAborted: boolean;
}

export interface ModelServer {
  url: string;
  port: number;
  /** Every /v1/messages request, in arrival order. */
  requests: RecordedRequest[];
  /** Answers requests whose latest user message contains `marker` with these turns, in order. */
  script(marker: string, ...turns: Turn[]): void;
  /** Turn used when no script matches or a script ran out (default: reply(text('OK'))). */
  fallback: Turn;
  requestsFor(marker: string): RecordedRequest[];
  /** Resolves once `predicate` holds for the recorded requests (polls; rejects after timeoutMs). */
  waitFor(predicate: (requests: RecordedRequest[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Environment for the Claude Code process: points it here and isolates it from the user's config. */
  claudeEnv(configDir: string): Record<string, string>;
  close(): Promise<void>;
}

// ---- implementation --------------------------------------------------------------------------

function contentBlocks(message: any): any[] {
  if (typeof message?.content === 'string') return [{ type: 'text', text: message.content }];
  return Array.isArray(message?.content) ? message.content : [];
}

function blockText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((c) => (typeof c?.text === 'string' ? c.text : '')).join('');
  return '';
}

function summarize(path: string, body: any): RecordedRequest {
  const messages: any[] = Array.isArray(body?.messages) ? body.messages : [];
  const userTexts: string[] = [];
  const toolResults: RecordedRequest['toolResults'] = [];
  const images: RecordedRequest['images'] = [];
  for (const m of messages) {
    if (m.role !== 'user') continue;
    const blocks = contentBlocks(m);
    const texts = blocks.filter((b) => b.type === 'text').map((b) => String(b.text));
    if (texts.length) userTexts.push(texts.join('\n'));
    for (const b of blocks) {
      if (b.type === 'image' && b.source?.type === 'base64') images.push({ media_type: String(b.source.media_type), data: String(b.source.data) });
      if (b.type === 'tool_result') toolResults.push({ tool_use_id: b.tool_use_id, is_error: Boolean(b.is_error), text: blockText(b.content) });
    }
  }
  return { path, body, userTexts, images, toolResults, clientAborted: false };
}

function splitText(value: string, chunks: number | undefined): string[] {
  const n = Math.max(1, Math.min(chunks ?? Math.min(20, Math.ceil(value.length / 8)), value.length || 1));
  const size = Math.ceil(value.length / n) || 1;
  const parts: string[] = [];
  for (let i = 0; i < value.length; i += size) parts.push(value.slice(i, i + size));
  return parts.length ? parts : [''];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startModelServer(): Promise<ModelServer> {
  const scripts = new Map<string, Turn[]>();
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const state = { fallback: reply(text('OK')) };

  function pickTurn(req: RecordedRequest): Turn {
    // The marker found in the latest user message wins (see the file comment).
    // Within one message the marker written last wins ("Earlier: A … Now: B" goes to B).
    let best: { marker: string; index: number; at: number } | undefined;
    for (const marker of scripts.keys()) {
      const index = req.userTexts.findLastIndex((t) => t.includes(marker));
      const at = index >= 0 ? req.userTexts[index].lastIndexOf(marker) : -1;
      if (index >= 0 && (!best || index > best.index || (index === best.index && at > best.at))) best = { marker, index, at };
    }
    if (!best) return state.fallback;
    req.marker = best.marker;
    return scripts.get(best.marker)!.shift() ?? state.fallback;
  }

  async function stream(res: http.ServerResponse, req: http.IncomingMessage, body: any, turn: Extract<Turn, { kind: 'reply' | 'drop' }>): Promise<void> {
    const options: ReplyOptions = turn.kind === 'reply' ? turn.options : {};
    if (options.delayMs) await sleep(options.delayMs);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': `req_${randomUUID()}` });
    const send = async (event: string, data: object) => {
      if (res.destroyed) return;
      res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
      if (options.chunkDelayMs) await sleep(options.chunkDelayMs);
    };
    const model = typeof body?.model === 'string' ? body.model : 'claude-scripted';
    const { output_tokens, ...input } = options.usage ?? DEFAULT_USAGE;
    await send('message_start', {
      message: { id: `msg_${randomUUID()}`, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...input, output_tokens: 1 } },
    });
    let index = 0;
    for (const block of turn.blocks) {
      if (block.type === 'text') {
        await send('content_block_start', { index, content_block: { type: 'text', text: '' } });
        for (const part of splitText(block.text, options.chunks)) await send('content_block_delta', { index, delta: { type: 'text_delta', text: part } });
      } else if (block.type === 'thinking') {
        await send('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } });
        for (const part of splitText(block.thinking, options.chunks)) await send('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: part } });
        await send('content_block_delta', { index, delta: { type: 'signature_delta', signature: 'scripted-signature' } });
      } else {
        await send('content_block_start', { index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
        await send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } });
      }
      await send('content_block_stop', { index });
      index++;
    }
    if (turn.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (options.hang) return; // left open until the client goes away or the server closes
    if (options.gate) await options.gate.catch(() => {});
    const stopReason = options.stopReason ?? (turn.blocks.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn');
    await send('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens } });
    await send('message_stop', {});
    res.end();
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0];
      let body: any = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        /* recorded as {} */
      }
      if (req.method === 'POST' && path === '/v1/messages/count_tokens') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ input_tokens: 42 }));
        return;
      }
      if (req.method !== 'POST' || path !== '/v1/messages') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: 'Not found' } }));
        return;
      }
      const recorded = summarize(path, body);
      requests.push(recorded);
      res.on('close', () => {
        if (!res.writableFinished) recorded.clientAborted = true;
      });
      const turn = pickTurn(recorded);
      if (turn.kind === 'http-error') {
        res
          .writeHead(turn.status, { 'content-type': 'application/json', 'x-should-retry': 'false' })
          .end(JSON.stringify({ type: 'error', error: { type: turn.errorType, message: turn.message } }));
        return;
      }
      if (body?.stream === false && turn.kind === 'reply') {
        const content = turn.blocks.map((b) => (b.type === 'thinking' ? { ...b, signature: 'scripted-signature' } : b));
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({ id: `msg_${randomUUID()}`, type: 'message', role: 'assistant', model: body.model, content, stop_reason: 'end_turn', stop_sequence: null, usage: turn.options.usage ?? DEFAULT_USAGE }),
        );
        return;
      }
      stream(res, req, body, turn).catch(() => req.socket.destroy());
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    port,
    requests,
    get fallback() {
      return state.fallback;
    },
    set fallback(turn: Turn) {
      state.fallback = turn;
    },
    script(marker, ...turns) {
      scripts.set(marker, [...(scripts.get(marker) ?? []), ...turns]);
    },
    requestsFor: (marker) => requests.filter((r) => r.marker === marker),
    async waitFor(predicate, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(requests)) {
        if (Date.now() > deadline) throw new Error(`model server: condition not met within ${timeoutMs} ms (${requests.length} requests seen)`);
        await sleep(25);
      }
    },
    claudeEnv(configDir) {
      return {
        ANTHROPIC_BASE_URL: url,
        ANTHROPIC_API_KEY: 'sk-test-scripted',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        // Keep the machine user's real Claude settings, sessions and credentials out of tests.
        CLAUDE_CONFIG_DIR: configDir,
        // A scripted error must fail the turn now, not after minutes of backoff.
        CLAUDE_CODE_MAX_RETRIES: '0',
      };
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
