// Real git repositories for tests: made with the git CLI in a temp folder, one commit to start from.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './tmp';

export function sh(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' } });
}

/** A repository with `files` committed on main; returns its folder. */
export function makeRepo(files: Record<string, string> = { 'README.md': 'hello\n' }, prefix = 'repo'): string {
  const dir = tempDir(prefix);
  sh(dir, 'init', '-q', '-b', 'main');
  writeFiles(dir, files);
  sh(dir, 'add', '-A');
  sh(dir, 'commit', '-q', '-m', 'start');
  return dir;
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), body);
  }
}

/** `git status --porcelain` of a tree: empty when it is clean. */
export const status = (dir: string) => sh(dir, 'status', '--porcelain').trim();
