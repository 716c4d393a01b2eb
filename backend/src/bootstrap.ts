// First run: with no account yet, create a local user and print how to sign in and connect a device.
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

/** Returns the lines to print (credentials go to the console only, never to the log). */
export async function bootstrapFirstUser(accounts: Accounts, url: string): Promise<string[] | null> {
  if ((await accounts.userCount()) > 0) return null;
  const username = localUsername();
  const password = randomBytes(12).toString('base64url');
  const user = await accounts.createUser(username, password, 'operator');
  const { token, info } = await accounts.issueToken(user.id, 'first run', 'api');
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
    `  1. Open ${url} in a browser and sign in, or`,
    '  2. In VS Code install the Wegent extension and run "Wegent: Connect Device" with the token above, or',
    `  3. Run an executor headless in a project folder: npx wegent-executor --mode local --backend-url ${url} --token <token>`,
    '',
  ];
}
