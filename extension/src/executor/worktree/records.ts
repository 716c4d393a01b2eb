// The device's list of conversation worktrees, kept in <dataDir>/worktrees/worktrees.json (owner
// only) so a restart finds every live conversation's worktree again. Writes go to a temp file and
// are renamed into place, so a crash never leaves half a file.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Isolation } from '@wegent/shared';

export interface WorktreeRecord {
  task_id: string;
  isolation: Isolation;
  /** active: the worktree exists; applied / discarded: it was removed (the next message starts afresh). */
  state: 'active' | 'applied' | 'discarded';
  /** Why the task ran in place (isolation "none"). */
  reason?: string;
  /** The user's repository (its top level) and the workspace folder inside it. */
  repo?: string;
  subdir?: string;
  path?: string;
  branch?: string;
  base?: string;
  created_at: string;
  last_used_at: string;
}

export class WorktreeRecords {
  private records = new Map<string, WorktreeRecord>();
  private loaded?: Promise<void>;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly file: string) {}

  async get(taskId: string): Promise<WorktreeRecord | undefined> {
    await this.load();
    return this.records.get(taskId);
  }

  async all(): Promise<WorktreeRecord[]> {
    await this.load();
    return [...this.records.values()];
  }

  async put(record: WorktreeRecord): Promise<void> {
    await this.load();
    this.records.set(record.task_id, record);
    await this.save();
  }

  async remove(taskId: string): Promise<void> {
    await this.load();
    if (this.records.delete(taskId)) await this.save();
  }

  private load(): Promise<void> {
    this.loaded ??= (async () => {
      try {
        const list = JSON.parse(await fs.readFile(this.file, 'utf8')) as WorktreeRecord[];
        for (const r of Array.isArray(list) ? list : []) if (r && typeof r.task_id === 'string') this.records.set(r.task_id, r);
      } catch {
        /* no file yet, or unreadable: start empty (stale worktrees are found by prune) */
      }
    })();
    return this.loaded;
  }

  private save(): Promise<void> {
    const body = JSON.stringify([...this.records.values()], null, 1);
    this.writing = this.writing.then(async () => {
      await fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
      const tmp = `${this.file}.${process.pid}.tmp`;
      await fs.writeFile(tmp, body, { mode: 0o600 });
      await fs.rename(tmp, this.file);
    });
    return this.writing;
  }
}
