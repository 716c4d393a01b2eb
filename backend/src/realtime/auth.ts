// Socket.IO authentication for both namespaces: the token is checked on connect (refusal is a
// connect_error whose message is the code and whose data is {code,message}) and enforced while
// connected: a timer fires at the token's expiry, and each socket joins a room named after its
// token so a revocation on any node reaches it through the adapter.
import type { Namespace, Socket } from 'socket.io';
import { ErrorCode, WegentError, type AuthExpired } from '@wegent/shared';
import type { Accounts, Principal } from '../accounts';
import type { Metrics } from '../metrics';

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

/** Joins the token room and arms the expiry timer; both are cleaned up on disconnect. */
export function enforceToken(socket: Socket): void {
  const { principal } = socket.data as SocketData;
  void socket.join(tokenRoom(principal.tokenId));
  const ms = principal.expiresAt * 1000 - Date.now();
  const timer = setTimeout(() => {
    socket.emit('auth:expired', { code: ErrorCode.AUTH_EXPIRED, message: 'Your API token expired (tokens last 7 days). Generate a new one and reconnect.' });
    socket.disconnect(true);
  }, Math.max(0, Math.min(ms, 2 ** 31 - 1)));
  socket.once('disconnect', () => clearTimeout(timer));
}

/** Expels every socket (on every node) using the token. */
export function revokeEverywhere(namespaces: Namespace[], jti: string): void {
  const p: AuthExpired = { code: ErrorCode.AUTH_REVOKED, message: 'This API token was revoked. Generate a new token and reconnect.' };
  for (const nsp of namespaces) {
    nsp.to(tokenRoom(jti)).emit('auth:expired', p);
    nsp.in(tokenRoom(jti)).disconnectSockets(true);
  }
}
