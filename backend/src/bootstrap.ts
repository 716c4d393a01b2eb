// What `npm start` tells the person at the console about their account. First run (no account yet):
// create a local operator and print its password, a ready API token and the next steps as commands
// that work from any folder. Later runs: remind them which account to sign in with and how to get a
// new password or token. Credentials go to the console only, never to the log.
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import type { Accounts } from './accounts';

function localUsername(): string {
  let name = 'local';
  try {
    name = userInfo().username.toLowerCase().replace(/[^a-z0-9_-]/g, '').slice(0, 32) || 'local';
  } catch {
    /* no passwd entry: keep "local" */
  }
  return name.length >= 3 ? name : 'local';
}

/** Quotes a path for a POSIX shell when it needs it, so a printed command pastes as is. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface ConsoleCommands {
  /** The URL the backend listens on. */
  url: string;
  /** Absolute path of wegent-admin's bundle (backend/dist/cli.js). */
  adminCli: string;
  /** Absolute path of wegent-executor's bundle (extension/dist/cli.js), when this checkout has one. */
  executorCli?: string;
}

/** Returns the lines to print: a new account on the first run, a reminder of it on later runs. */
export async function accountLines(accounts: Accounts, where: ConsoleCommands): Promise<string[]> {
  const admin = `node ${shellQuote(where.adminCli)}`;
  const username = localUsername();
  if ((await accounts.userCount()) > 0) {
    const known = await accounts.findByUsername(username);
    if (!known) return ['', `Sign in at ${where.url} with an existing account; ${admin} --help manages them.`, ''];
    return [
      '',
      `Sign in at ${where.url} as "${username}" (the account made on the first start; its password was printed then).`,
      `  Lost the password?  ${admin} set-password ${username}   prints a new one.`,
      `  A new API token:    Settings → API Token in the chat, or  ${admin} issue-token ${username}`,
      '',
    ];
  }
  const password = randomBytes(12).toString('base64url');
  const user = await accounts.createUser(username, password, 'operator');
  const { token, info } = await accounts.issueToken(user.id, 'first run', 'api');
  // The token travels in the environment, not in argv: other users of the machine can read argv.
  const executor = where.executorCli ? `node ${shellQuote(where.executorCli)}` : 'wegent-executor';
  return [
    '',
    'Created the first account (an operator, it can also register cloud executors):',
    `  username: ${username}`,
    `  password: ${password}`,
    '',
    `A ready API token (valid until ${info.expires_at}):`,
    `  ${token}`,
    '',
    'Next steps:',
    `  1. Open ${where.url} in a browser and sign in, or`,
    '  2. In VS Code install the Wegent extension and run "Wegent: Connect Device" with the token above, or',
    '  3. Run an executor headless: in the folder its tasks should work in, run',
    `       WEGENT_TOKEN=${token} ${executor} --mode local --backend-url ${where.url} --workspace "$PWD"`,
    '',
    `Lost the password later? ${admin} set-password ${username} prints a new one.`,
    '',
  ];
}
