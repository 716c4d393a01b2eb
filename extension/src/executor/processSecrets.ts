// Keeps the Wegent token out of what other processes can read about this one. `ps` shows every
// process's argv to every user, and /proc/<pid>/environ shows its start-up environment to every
// process of the same user — including the tools a task runs. Deleting from process.env or
// process.argv changes neither: both read the bytes the kernel laid out at exec time. On Linux this
// process can overwrite those bytes through /proc/self/mem (what setproctitle and `mysql -p` do), so a
// token given by --token or WEGENT_TOKEN is blanked right after it was read. Elsewhere (macOS,
// Windows) that is not possible: there --token-file is the only way to keep it unseen.
import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';

export type HideOutcome = 'hidden' | 'not-found' | 'unsupported';

/** Overwrites every copy of `secret` in this process's argv and start-up environment with '*'. */
export function hideFromProcessListing(secret: string, envName?: string): HideOutcome {
  if (envName) delete process.env[envName]; // children spawned later must not inherit it either
  if (process.platform !== 'linux' || secret.length === 0) return 'unsupported';
  let fd: number | undefined;
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the ")" of the command name; field n of proc(5) is at index n - 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    const regions: Array<[number, number]> = [
      [fields[48 - 3]!, fields[49 - 3]!], // arg_start, arg_end
      [fields[50 - 3]!, fields[51 - 3]!], // env_start, env_end
    ];
    if (regions.some(([a, b]) => !Number.isSafeInteger(a) || !Number.isSafeInteger(b) || b <= a || b - a > 4 * 1024 * 1024)) return 'unsupported';
    fd = openSync('/proc/self/mem', 'r+');
    const needle = Buffer.from(secret);
    const mask = Buffer.alloc(needle.length, '*');
    let found = false;
    for (const [start, end] of regions) {
      const bytes = Buffer.alloc(end - start);
      readSync(fd, bytes, 0, bytes.length, start);
      for (let i = bytes.indexOf(needle); i >= 0; i = bytes.indexOf(needle, i + needle.length)) {
        writeSync(fd, mask, 0, mask.length, start + i);
        found = true;
      }
    }
    return found ? 'hidden' : 'not-found';
  } catch {
    return 'unsupported'; // a kernel that refuses writes to /proc/self/mem: the caller warns
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
