// Does Claude Code have Anthropic credentials here? Checked when the executor starts, so a missing
// login is said at once, not only when the first task fails. The same places Claude Code looks: API
// keys and tokens in the environment (which agentEnv.ts passes on), Bedrock/Vertex switches, and the
// login file of `claude` → /login. On macOS that login lives in the keychain, which cannot be checked
// without prompting: there the answer is "unknown" and no warning is given.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ENV_CREDENTIALS = ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN', 'CLAUDE_CODE_USE_BEDROCK', 'CLAUDE_CODE_USE_VERTEX', 'CLAUDE_CODE_USE_FOUNDRY'];

export type CredentialCheck = { found: true; where: string } | { found: false; unknown?: boolean };

export function findClaudeCredentials(env: Record<string, string | undefined> = process.env, platform: NodeJS.Platform = process.platform): CredentialCheck {
  const name = ENV_CREDENTIALS.find((n) => env[n]?.trim());
  if (name) return { found: true, where: name };
  const configDir = env.CLAUDE_CONFIG_DIR || path.join(env.HOME || os.homedir(), '.claude');
  const file = path.join(configDir, '.credentials.json');
  if (existsSync(file)) return { found: true, where: file };
  return platform === 'darwin' ? { found: false, unknown: true } : { found: false };
}

/** How to give Claude Code credentials, in one sentence (the start warning and the CLAUDE_AUTH error). */
export const CREDENTIALS_HINT =
  'Set ANTHROPIC_API_KEY in the executor\'s environment, or sign in with a Claude subscription as the user the executor runs as: install Claude Code ("npm install -g @anthropic-ai/claude-code"), run "claude" and type /login; then restart the executor.';
