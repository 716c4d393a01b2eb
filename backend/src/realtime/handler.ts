// Wraps every client→server event: parse the payload with its schema (INVALID_PAYLOAD naming the
// field), run the handler, answer the ack with {ok:true,...} or {ok:false,error}. A throw becomes an
// INTERNAL ack and a log line — never a crash, never silence.
import type { Socket } from 'socket.io';
import type { z } from 'zod';
import { ErrorCode, LIMITS, WegentError, parsePayload, type Ack, type EventSpec } from '@wegent/shared';
import type { InFlight } from '../inflight';
import type { Logger } from '../log';
import { STORE_UNAVAILABLE_MESSAGE, isStoreUnavailable } from '../store/errors';
import { OVERSIZED_EVENT } from './frameLimit';

export function errorAck(err: unknown, log: Logger, event: string): Ack {
  if (err instanceof WegentError) return { ok: false, error: err.toJSON() };
  if (isStoreUnavailable(err)) {
    log.warn({ err: (err as Error).message, event }, 'handler failed: Redis unavailable');
    return { ok: false, error: { code: ErrorCode.UNAVAILABLE, message: STORE_UNAVAILABLE_MESSAGE } };
  }
  log.error({ err, event }, 'handler failed');
  return { ok: false, error: { code: ErrorCode.INTERNAL, message: 'The backend hit an internal error handling this event; it was logged. Try again.' } };
}

export interface HandlerContext {
  log: Logger;
  inflight: InFlight;
}

/**
 * The ok-body a handler of `S` must answer with, from the shared event table: the ack's fields
 * (a missing required one, a misspelt or an extra one is a type error); nothing at all when the
 * ack has no required field.
 */
export type AckBody<S extends EventSpec> = S['ack'] extends z.ZodType
  ? Record<string, never> extends z.infer<S['ack']> ? z.infer<S['ack']> | void : z.infer<S['ack']>
  : void;

/**
 * Binds handlers for one namespace's client→server events (`DEVICE_EVENTS.clientToServer`,
 * `CHAT_EVENTS.clientToServer`): the payload schema comes from the table and the handler's answer
 * is checked against the ack the table promises.
 *   const handle = eventHandlers(socket, CHAT_EVENTS.clientToServer, ctx);
 *   handle('chat:send', (p) => dispatcher.send(user, p));
 */
export function eventHandlers<M extends Record<string, EventSpec>>(socket: Socket, events: M, ctx: HandlerContext) {
  return <E extends keyof M & string>(event: E, run: (value: z.infer<M[E]['payload']>) => Promise<AckBody<M[E]>>): void =>
    on(socket, event, events[event].payload, run as (value: unknown) => Promise<object | void>, ctx);
}

/** The untyped primitive under eventHandlers (prefer that: it checks the ack against the table). */
export function on<S extends z.ZodType>(
  socket: Socket,
  event: string,
  schema: S,
  run: (value: z.infer<S>) => Promise<object | void>,
  ctx: HandlerContext,
): void {
  socket.on(event, (...args: unknown[]) => {
    // The ack is the last argument when the client asked for one; a client that sent none still
    // gets its event handled (the answer just has nowhere to go).
    const last = args[args.length - 1];
    const ack = typeof last === 'function' ? (last as (a: Ack) => void) : () => {};
    const payload = typeof last === 'function' ? args[0] === last ? undefined : args[0] : args[0];
    void ctx.inflight.track(async () => {
      const parsed = parsePayload(schema, payload);
      if (!parsed.ok) return ack({ ok: false, error: parsed.error });
      try {
        const result = await run(parsed.value);
        ack({ ok: true, ...(result ?? {}) });
      } catch (err) {
        ack(errorAck(err, ctx.log, event));
      }
    });
  });
}

/**
 * Answers events this namespace does not handle, so a client that sent one with an ack (a typo, an
 * older or newer client) gets NOT_FOUND naming the events it may send instead of waiting forever;
 * an event too large to read (realtime/frameLimit.ts) gets PAYLOAD_TOO_LARGE.
 */
export function answerUnknownEvents(socket: Socket, known: readonly string[]): void {
  const accepted = new Set(known);
  socket.onAny((event: unknown, ...args: unknown[]) => {
    if (typeof event === 'string' && accepted.has(event)) return;
    const ack = args[args.length - 1];
    if (typeof ack !== 'function') return;
    if (event === OVERSIZED_EVENT) {
      const bytes = Number((args[0] as { bytes?: unknown } | undefined)?.bytes) || 0;
      return (ack as (a: Ack) => void)({
        ok: false,
        error: { code: ErrorCode.PAYLOAD_TOO_LARGE, message: `This event is ${bytes} bytes; one Socket.IO event may be at most ${LIMITS.socketFrameBytes} bytes. It was not read: split it (task:progress: several seqs).` },
      });
    }
    const name = typeof event === 'string' ? event.slice(0, 64) : typeof event;
    (ack as (a: Ack) => void)({
      ok: false,
      error: { code: ErrorCode.NOT_FOUND, message: `Unknown event "${name}" on this connection; it accepts ${[...accepted].join(', ')}.` },
    });
  });
}
