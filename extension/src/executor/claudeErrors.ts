// Turns what went wrong in a Claude Code run into a protocol error a person can act on (S18).
import { ErrorCode, type ProtocolError } from '@wegent/shared';
import { CREDENTIALS_HINT } from './claudeCredentials';
import { shellWords, type Shell } from './shellWords';

const installHint = (shell: Shell) =>
  `Install it with "npm install -g @anthropic-ai/claude-code" (or the native installer from claude.ai/code) and restart the executor, or ${shellWords(shell).claudePath}.`;

export function sdkMissing(detail: string): ProtocolError {
  return {
    code: ErrorCode.CLAUDE_NOT_INSTALLED,
    message: `The Claude Agent SDK could not be loaded (${detail}). Reinstall the Wegent executor ("npm install" in its folder, or reinstall the extension).`,
  };
}

export function binaryMissing(path: string | undefined, shell: Shell = 'cli'): ProtocolError {
  const where = path ? ` at ${path}` : '';
  return { code: ErrorCode.CLAUDE_NOT_INSTALLED, message: `Claude Code was not found${where}. ${installHint(shell)}` };
}

/**
 * Classifies an error text from Claude Code (an assistant `error` kind, the result text or a thrown
 * message) into a code with an actionable message.
 */
export function classifyClaudeError(kind: string | undefined, text: string): ProtocolError {
  const t = text || 'Claude Code stopped with an error.';
  if (kind === 'authentication_failed' || kind === 'oauth_org_not_allowed' || kind === 'cloud_credential_error' || /not logged in|invalid api key|authentication|\/login/i.test(t)) {
    return {
      code: ErrorCode.CLAUDE_AUTH,
      message: `Claude Code has no working Anthropic credentials on this device. ${CREDENTIALS_HINT} (${t})`,
    };
  }
  if (kind === 'billing_error' || kind === 'account_on_hold') return { code: ErrorCode.CLAUDE_AUTH, message: `The Claude account on this device cannot be used right now: ${t}` };
  if (kind === 'overloaded' || kind === 'rate_limit' || /\b529\b|overloaded|rate.?limit|\b429\b/i.test(t)) {
    return { code: ErrorCode.MODEL_OVERLOADED, message: `The model is overloaded or rate limited; try again in a moment. (${t})` };
  }
  if (/permission|EACCES|EPERM/i.test(t) && !/API Error/i.test(t)) {
    return { code: ErrorCode.PERMISSION_DENIED, message: `Permission denied: ${t} Check the workspace folder's permissions or the executor's permission mode.` };
  }
  if (/API Error|connection|ECONNRESET|ECONNREFUSED|ETIMEDOUT|socket hang up|server_error/i.test(t) || kind) {
    return { code: ErrorCode.MODEL_ERROR, message: `The model API failed: ${t}` };
  }
  return { code: ErrorCode.EXECUTOR_ERROR, message: t };
}
