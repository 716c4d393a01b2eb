// Oversized events get an answer, not silence. Socket.IO's own limit (engine.io's
// maxHttpBufferSize) closes the connection on a frame past it — the client sees a transport close,
// its ack never comes, and a client that resends on reconnect loops. So the transport limit sits at
// LIMITS.socketFrameCloseBytes and this parser answers anything between LIMITS.socketFrameBytes and
// it: an event packet that large is not JSON-parsed; only its header (type, namespace, ack id) is
// read, and it is delivered as the event OVERSIZED_EVENT carrying the size, which the namespaces
// answer PAYLOAD_TOO_LARGE (realtime/handler.ts). Any other packet that large closes the connection.
// Frames past the transport limit cannot be read to find their ack id: those still close it
// (WebSocket close code 1009, HTTP 413 on long-polling).
import { Decoder as SocketIoDecoder, Encoder, PacketType } from 'socket.io-parser';
import { LIMITS } from '@wegent/shared';

/** The internal event name an oversized event is delivered as (a client cannot send it: it is answered like this too). */
export const OVERSIZED_EVENT = 'wegent:oversized';

/** `<type>[<nsp>,][<ack id>]` in front of an event's JSON array (socket.io-parser's string format). */
const EVENT_HEADER = new RegExp(`^${PacketType.EVENT}(/[^,\\[]*,)?(\\d*)\\[`);

/** UTF-8 bytes of a string are at most 3 per UTF-16 unit: shorter strings need no counting. */
function overLimit(text: string, limit: number): boolean {
  return text.length * 3 > limit && Buffer.byteLength(text) > limit;
}

export class FrameLimitDecoder extends SocketIoDecoder {
  override add(obj: unknown): void {
    if (typeof obj === 'string' && overLimit(obj, LIMITS.socketFrameBytes)) {
      const header = EVENT_HEADER.exec(obj.slice(0, 300));
      if (!header) throw new Error(`a packet of ${Buffer.byteLength(obj)} bytes that is not an event`);
      const prefix = header[0].slice(0, -1);
      return super.add(`${prefix}${JSON.stringify([OVERSIZED_EVENT, { bytes: Buffer.byteLength(obj) }])}`);
    }
    super.add(obj);
  }
}

/** The `parser` option of the Socket.IO server. */
export const frameLimitParser = { Encoder, Decoder: FrameLimitDecoder };
