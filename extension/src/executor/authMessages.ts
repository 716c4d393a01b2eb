// Actionable sentences for the ways a connection can be refused for good (S18). Shown in the status
// bar, the CLI's last log line and the webview; the token itself never appears in them. Each names
// the fix in the words of the shell it is shown in (shellWords.ts).
import { ErrorCode, type ProtocolError } from '@wegent/shared';
import { shellWords, type Shell } from './shellWords';

const regenerate = (shell: Shell) => `Generate a new one in Wegent → Settings → API Token, then ${shellWords(shell).setToken}.`;

export function authError(code: string, serverMessage?: string, shell: Shell = 'cli'): ProtocolError {
  switch (code) {
    case ErrorCode.AUTH_EXPIRED:
      return { code, message: `Your API token has expired. ${regenerate(shell)}` };
    case ErrorCode.AUTH_REVOKED:
      return { code, message: `Your API token was revoked. ${regenerate(shell)}` };
    case ErrorCode.AUTH_MISSING:
      return { code, message: `No API token was given. ${regenerate(shell)}` };
    default:
      return {
        code,
        message: `The backend did not accept the API token${serverMessage ? ` (${serverMessage})` : ''}. Check that you copied it whole and that ${shellWords(shell).backendUrl} points at the Wegent that issued it. ${regenerate(shell)}`,
      };
  }
}

/**
 * Another executor registered the same device id. Ids are per folder (identity.ts), so that is an
 * executor serving the same folder on this machine: the only true duplicate.
 */
export function replacedError(deviceId: string, shell: Shell = 'cli'): ProtocolError {
  const words = shellWords(shell);
  return {
    code: ErrorCode.DEVICE_REPLACED,
    message: `Another executor for the same folder (${words.sameFolderPeer}) connected as this device (${deviceId}) and took it over, so this one stopped. ${words.replacedFix}`,
  };
}

export function registerError(error: ProtocolError, deviceId: string): ProtocolError {
  if (error.code === ErrorCode.DEVICE_OWNED_BY_OTHER_USER) {
    return { code: error.code, message: `The device id ${deviceId} is registered to another Wegent account. Use that account's token, or delete the device there first.` };
  }
  if (error.code === ErrorCode.FORBIDDEN) return { code: error.code, message: `The backend refused this executor: ${error.message} (cloud mode needs an operator account's token).` };
  return error;
}

export function unreachableError(backendUrl: string, detail: string, shell: Shell = 'cli'): ProtocolError {
  return {
    code: ErrorCode.UNAVAILABLE,
    message: `Cannot reach the Wegent backend at ${backendUrl}: ${connectFailure(detail)}. Check ${shellWords(shell).backendUrl}, that the backend is running, and that no proxy or firewall blocks WebSocket traffic. Retrying…`,
  };
}

/** socket.io-client's terse reasons ("xhr poll error") as what they mean for the person reading. */
export function connectFailure(detail: string): string {
  if (/xhr poll error|ECONNREFUSED/i.test(detail)) return 'nothing answered there (connection refused, or the host cannot be reached)';
  if (/websocket error/i.test(detail)) return 'the WebSocket connection failed';
  if (/^timeout$/i.test(detail.trim()) || /ETIMEDOUT/i.test(detail)) return 'no answer in time';
  if (/ENOTFOUND|EAI_AGAIN/i.test(detail)) return 'the host name could not be resolved';
  if (/Invalid namespace/i.test(detail)) return 'a server answered, but it is not a Wegent backend, or the URL has a path (give only scheme://host:port)';
  return detail;
}
