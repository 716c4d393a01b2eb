// `wegent-executor --list-worktrees` / `--prune-worktrees`: what conversation worktrees this device
// keeps, and removing the stale ones (unused for --worktree-max-age days, or whose folder is gone).
// Works without a backend or token; a running executor's live worktrees are kept by age.
import type { WorktreeCommand } from '../cliArgs';
import { defaultDataDir } from '../identity';
import { WorktreeManager, type WorktreeInfo } from './manager';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function line(w: WorktreeInfo): string {
  return `${w.branch}\t${w.exists ? '' : '(missing) '}${w.path}\trepo ${w.repo}\tlast used ${w.last_used_at}\ttask ${w.task_id}`;
}

export async function runWorktreeCommand(c: WorktreeCommand, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const m = new WorktreeManager({ dataDir: c.dataDir ?? defaultDataDir(), logger: quiet });
  const list = c.action === 'list' ? await m.list() : await m.prune(c.maxAgeMs);
  if (c.json) out.write(`${JSON.stringify({ [c.action === 'list' ? 'worktrees' : 'pruned']: list })}\n`);
  else if (!list.length) out.write(c.action === 'list' ? 'No conversation worktrees on this device.\n' : 'No stale worktrees.\n');
  else out.write(`${c.action === 'list' ? 'Conversation worktrees' : 'Removed'}:\n${list.map(line).join('\n')}\n`);
  return 0;
}
