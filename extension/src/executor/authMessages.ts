// Actionable sentences for the ways a connection can be refused for good (S18). Shown in the status
// bar, the CLI's last log line and the webview; the token itself never appears in them.
import { ErrorCode, type ProtocolError } from '@wegent/shared';

const REGENERATE = 'Generate a new one in Wegent → Settings → API Token, then run "Wegent: Set API Token" (VS Code) or pass --token / WEGENT_TOKEN (wegent-executor).';

export function authError(code: string, serverMessage?: string): ProtocolError {
  switch (code) {
    case ErrorCode.AUTH_EXPIRED:
      return { code, message: `Your API token has expired. ${REGENERATE}` };
    case ErrorCode.AUTH_REVOKED:
      return { code, message: `Your API token was revoked. ${REGENERATE}` };
    case ErrorCode.AUTH_MISSING:
      return { code, message: `No API token was given. ${REGENERATE}` };
    default:
      return { code, message: `The backend did not accept the API token${serverMessage ? ` (${serverMessage})` : ''}. Check that you copied it whole and that --backend-url points at the Wegent that issued it. ${REGENERATE}` };
  }
}

export function replacedError(deviceId: string): ProtocolError {
  return {
    code: ErrorCode.DEVICE_REPLACED,
    message: `Another executor with the same device id (${deviceId}) connected and took this device over, so this one stopped. Stop the other executor (another VS Code window or a wegent-executor), or give this one its own data dir.`,
  };
}

export function registerError(error: ProtocolError, deviceId: string): ProtocolError {
  if (error.code === ErrorCode.DEVICE_OWNED_BY_OTHER_USER) {
    return { code: error.code, message: `The device id ${deviceId} is registered to another Wegent account. Use that account's token, or delete the device there first.` };
  }
  if (error.code === ErrorCode.FORBIDDEN) return { code: error.code, message: `The backend refused this executor: ${error.message} (cloud mode needs an operator account's token).` };
  return error;
}

export function unreachableError(backendUrl: string, detail: string): ProtocolError {
  return {
    code: ErrorCode.UNAVAILABLE,
    message: `Cannot reach the Wegent backend at ${backendUrl} (${detail}). Check the backend URL (--backend-url / WEGENT_BACKEND_URL / wegent.backendUrl), that it is running, and that no proxy or firewall blocks WebSocket traffic. Retrying…`,
  };
}
