// What the chat banner says while the /chat socket is down (issue: it said "(Error)"): socket.io only
// reports "xhr poll error" or a disconnect reason, so the cause is asked of the URL itself (refused,
// host not found, timed out, answers but is no Wegent backend) and the reason put in words. Free of
// `vscode`; the sentences name the VS Code setting (this module speaks for the extension only).
import { CHAT_REQUEST_TIMEOUT_MS } from '@wegent/shared';
import { networkDetail } from './tokenCheck';

/** The reason a connect attempt failed, in words for unreachableMessage's parenthesis. */
export async function probeBackend(url: string, timeoutMs = Math.min(CHAT_REQUEST_TIMEOUT_MS, 5_000)): Promise<string> {
  try {
    const res = await fetch(`${url}/api/me`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel().catch(() => {});
    // It answers HTTP: the chat connection (a proxy that refuses WebSocket/long polling, a wrong path) is what fails.
    return res.status === 404 ? 'it answers, but not as a Wegent backend' : `it answers HTTP ${res.status}, but the chat connection fails`;
  } catch (err) {
    return networkDetail(err);
  }
}

const REASONS: Record<string, string> = {
  'transport close': 'the connection closed: the backend stopped or the network dropped',
  'transport error': 'the connection failed',
  'ping timeout': 'the backend stopped answering',
  'io server disconnect': 'the backend closed the connection',
  'parse error': 'the backend sent something unreadable',
};

/** A live connection went away: what happened, and that it reconnects by itself. */
export function disconnectedMessage(url: string, reason: string): string {
  return `Lost the connection to the Wegent backend at ${url} (${REASONS[reason] ?? reason}). Reconnecting…`;
}
