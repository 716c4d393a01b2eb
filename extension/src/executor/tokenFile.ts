// --token-file: the API token read from an owner-only file, so it is in neither argv (which `ps`
// shows to every user) nor the environment (which /proc/<pid>/environ shows to the user's other
// processes). The file holds the token alone, or env-file lines with WEGENT_TOKEN=… (the format the
// service's env file uses, see service/). Like ssh with a private key, a file that others may read
// is refused: the token in it must be assumed leaked.
import { readFileSync, statSync } from 'node:fs';

export class TokenFileError extends Error {}

export function readTokenFile(file: string): string {
  let text: string;
  try {
    if (process.platform !== 'win32') {
      const { mode, uid } = statSync(file);
      if ((mode & 0o077) !== 0) {
        throw new TokenFileError(`the token file ${file} can be read by other users (mode ${(mode & 0o777).toString(8)}): run "chmod 600 ${file}", and generate a new token if others may have read it`);
      }
      if (typeof process.getuid === 'function' && uid !== process.getuid()) throw new TokenFileError(`the token file ${file} belongs to another user`);
    }
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof TokenFileError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new TokenFileError(code === 'ENOENT' ? `the token file ${file} does not exist` : `the token file ${file} cannot be read (${code ?? (err as Error).message})`);
  }
  const token = tokenIn(text);
  if (!token) throw new TokenFileError(`the token file ${file} is empty: put the API token (Wegent → Settings → API Token) in it, alone or as WEGENT_TOKEN=…`);
  return token;
}

/** The token of a file's text: a WEGENT_TOKEN=… line, else the first line that is not a comment. */
export function tokenIn(text: string): string {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const assigned = lines.find((l) => /^(export\s+)?WEGENT_TOKEN=/.test(l));
  const raw = assigned ? assigned.slice(assigned.indexOf('=') + 1).trim() : lines.find((l) => !l.includes('=')) ?? '';
  return raw.replace(/^(["'])(.*)\1$/, '$2').trim();
}
