// Socket.IO authentication for both namespaces: the token is checked on connect (refusal is a
// connect_error whose message is the code and whose data is {code,message}) and enforced while
// connected: a timer fires at the token's expiry, and each socket joins a room named after its
// token so a revocation on any node reaches it through the adapter.
import type { Namespace, Socket } from 'socket.io';
import { ErrorCode, WegentError, type AuthExpired } from '@wegent/shared';
import type { Accounts, Principal } from '../accounts';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import { tellAndClose } from './tellAndClose';

export interface SocketData {
  principal: Principal;
  deviceId?: string;
}

export const tokenRoom = (jti: string) => `token:${jti}`;

function bearer(header: string | undefined): string | undefined {
  const m = header?.match(/^Bearer\s+(.+)$/i);
  return m?.[1]?.trim();
}

export function socketAuth(accounts: Accounts, metrics: Metrics) {
  return async (socket: Socket, next: (err?: Error) => void) => {
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    const token = typeof auth?.token === 'string' ? auth.token : bearer(socket.handshake.headers.authorization);
    try {
      (socket.data as SocketData).principal = await accounts.authenticate(token);
      next();
    } catch (err) {
      const e = err instanceof WegentError ? err : new WegentError(ErrorCode.UNAVAILABLE, 'The backend could not check the token right now; it will retry.', 503);
      metrics.authFailures.inc({ code: e.code });
      next(Object.assign(new Error(e.code), { data: { code: e.code, message: e.message } }));
    }
  };
}

/**
 * Joins the token room and arms the expiry timer (both end with the socket), then reads the token's
 * record once more. The connect check ran before the room was joined, so a revocation landing in
 * between would have missed the socket: revocation marks the record first and then tells the room,
 * so once in the room, either the room hears of it or this read sees it. The socket's events wait
 * for that read (in order), so a revoked token never gets one handled.
 */
export function enforceToken(socket: Socket, accounts: Accounts, log: Logger): void {
  const { principal } = socket.data as SocketData;
  void socket.join(tokenRoom(principal.tokenId));
  const ms = principal.expiresAt * 1000 - Date.now();
  const timer = setTimeout(() => {
    socket.emit('auth:expired', { code: ErrorCode.AUTH_EXPIRED, message: 'Your API token expired (tokens last 7 days). Generate a new one and reconnect.' });
    socket.disconnect(true);
  }, Math.max(0, Math.min(ms, 2 ** 31 - 1)));
  socket.once('disconnect', () => clearTimeout(timer));

  let verified = false;
  const check = accounts.isRevoked(principal.tokenId).then(
    (revoked) => {
      if (revoked) expel(socket, revokedNotice);
      else verified = true;
      return !revoked;
    },
    (err) => {
      // Cannot tell: drop the transport (the client reconnects and is checked afresh), never serve it unchecked.
      log.warn({ err: (err as Error).message }, 'token re-check after connect failed; closing the connection');
      socket.conn.close();
      return false;
    },
  );
  socket.use((_packet, next) => {
    if (verified) return next();
    void check.then((ok) => ok && next());
  });
}

const revokedNotice: AuthExpired = { code: ErrorCode.AUTH_REVOKED, message: 'This API token was revoked. Generate a new token and reconnect.' };

function expel(socket: Socket, notice: AuthExpired): void {
  socket.emit('auth:expired', notice);
  socket.disconnect(true);
}

/** Expels every socket (on every node) using the token. */
export function revokeEverywhere(namespaces: Namespace[], jti: string): void {
  for (const nsp of namespaces) tellAndClose(nsp, { room: tokenRoom(jti), event: 'auth:expired', payload: revokedNotice });
}
