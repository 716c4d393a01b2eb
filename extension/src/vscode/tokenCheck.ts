// Checks an API token against the backend before the device connects (`GET /api/me`), so the user
// gets one clear, actionable sentence (S18) instead of a socket that silently keeps retrying. The
// sentences for refused tokens are the executor's own (authMessages.ts), so both places agree.
// Free of `vscode`: the same check can be tested in plain mocha against a real backend.
import { ErrorCode, isAuthErrorCode, type UserView } from '@wegent/shared';
import { authError } from '../executor/authMessages';

export type TokenCheck =
  | { ok: true; user: UserView }
  | { ok: false; code: string; message: string; kind: 'auth' | 'unreachable' | 'backend' };

const CHECK_TIMEOUT_MS = 10_000;

export function unreachableMessage(backendUrl: string, detail: string): string {
  return `Cannot reach the Wegent backend at ${backendUrl} (${detail}). Check the "wegent.backendUrl" setting, that the backend is running, and that no proxy or firewall blocks it.`;
}

export async function checkToken(backendUrl: string, token: string, timeoutMs = CHECK_TIMEOUT_MS): Promise<TokenCheck> {
  let res: Response;
  try {
    res = await fetch(`${backendUrl}/api/me`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    return { ok: false, kind: 'unreachable', code: ErrorCode.UNAVAILABLE, message: unreachableMessage(backendUrl, networkDetail(err)) };
  }
  const body = (await res.json().catch(() => null)) as { user?: UserView; error?: { code?: string; message?: string } } | null;
  if (res.ok && body?.user) return { ok: true, user: body.user };
  const code = body?.error?.code;
  if (res.status === 401 || isAuthErrorCode(code)) {
    const authCode = isAuthErrorCode(code) ? code : ErrorCode.AUTH_INVALID;
    return { ok: false, kind: 'auth', code: authCode, message: authError(authCode, undefined, 'vscode').message };
  }
  if (res.status === 404) {
    return {
      ok: false,
      kind: 'backend',
      code: ErrorCode.NOT_FOUND,
      message: `${backendUrl} does not look like a Wegent backend (GET /api/me answered 404). Check the "wegent.backendUrl" setting.`,
    };
  }
  return {
    ok: false,
    kind: 'backend',
    code: code ?? ErrorCode.UNAVAILABLE,
    message: body?.error?.message ?? `The Wegent backend at ${backendUrl} answered HTTP ${res.status}. Try again in a moment.`,
  };
}

/** "connection refused", "timed out", … from fetch's nested cause, without any request detail. */
export function networkDetail(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code ?? (err as { name?: string })?.name;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found';
    case 'TimeoutError':
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'timed out';
    case 'ECONNRESET':
      return 'connection reset';
    default:
      // e.g. fetch's "bad port" for ports browsers refuse; never the request itself (it has no secrets
      // in the URL, but headers are not echoed here either).
      return cause?.message ?? (typeof code === 'string' ? code : 'network error');
  }
}
