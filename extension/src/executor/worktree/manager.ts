// One git worktree per conversation (task_id): made on branch wegent/<short id> from the workspace's
// HEAD at the conversation's first message, under <dataDir>/worktrees, reused by its follow-ups, and
// reported, diffed, applied or discarded on request. The user's own working tree is only ever read,
// until they apply. Outside git (or with isolation "none") tasks run in place, and the chat is told.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ErrorCode, type Ack, type ApplyAction, type ApplyOk, type DiffOk, type Isolation, type TaskChanges } from '@wegent/shared';
import type { Logger } from '../api';
import { applyPatch } from './apply';
import { confinePath } from './confine';
import { git, gitOk } from './git';
import { WorktreeRecords, type WorktreeRecord } from './records';
import { probeRepo } from './repo';
import { describeSetup, runSetup } from './setup';
import { diffText, fullPatch, snapshotTree, summarize } from './snapshot';

/** The isolation a device is set to; `worktree` is the default (used when the workspace is a git repository). */
export const DEFAULT_ISOLATION: Isolation = 'worktree';
export const BRANCH_PREFIX = 'wegent/';

export interface WorktreeOptions {
  /** The executor's data dir; worktrees live in <dataDir>/worktrees. */
  dataDir: string;
  isolation?: Isolation;
  /** Run once in every new worktree (e.g. "npm ci"); its output is shown in the chat. */
  setupCommand?: string;
  setupTimeoutMs?: number;
  logger: Logger;
}

export interface Prepared {
  cwd: string;
  isolation: Isolation;
}

/** One conversation worktree as `--list-worktrees` shows it. */
export interface WorktreeInfo {
  task_id: string;
  branch: string;
  path: string;
  repo: string;
  base: string;
  created_at: string;
  last_used_at: string;
  exists: boolean;
}

type Say = (text: string) => void;

const fail = (code: string, message: string) => ({ ok: false as const, error: { code, message } });
const short = (sha: string | undefined) => (sha ?? '').slice(0, 7);

export class WorktreeManager {
  private readonly root: string;
  private readonly records: WorktreeRecords;
  /** One git operation at a time per repository and per conversation (worktree add and remove lock shared files). */
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly o: WorktreeOptions) {
    this.root = path.join(o.dataDir, 'worktrees');
    this.records = new WorktreeRecords(path.join(this.root, 'worktrees.json'));
  }

  get isolation(): Isolation {
    return this.o.isolation ?? DEFAULT_ISOLATION;
  }

  /** Where a message of the conversation runs: its worktree (made now on the first message), or the workspace itself. */
  prepare(taskId: string, workspace: string, say: Say, signal: AbortSignal): Promise<Prepared> {
    return this.locked(`task:${taskId}`, async () => {
      const known = await this.records.get(taskId);
      if (known?.state === 'active' && known.isolation === 'worktree' && known.path) {
        if (await isWorktree(known.path)) {
          await this.records.put({ ...known, last_used_at: now() });
          return { cwd: path.join(known.path, known.subdir ?? ''), isolation: 'worktree' };
        }
        say('The worktree of this conversation is gone (removed outside Wegent); starting a fresh one from HEAD.');
      }
      if (known?.state === 'active' && known.isolation === 'none') return { cwd: workspace, isolation: 'none' };
      if (this.isolation === 'none') return this.inPlace(taskId, workspace, 'isolation is set to "none" on this device', say);
      const repo = await probeRepo(workspace);
      if (!repo.ok) return this.inPlace(taskId, workspace, repo.reason, say);
      const created = await this.locked(`repo:${repo.root}`, () => this.create(taskId, repo.root, repo.head, repo.subdir));
      if (repo.dirty) say(`Your working tree has uncommitted changes: this conversation starts from HEAD (${short(repo.head)}) without them, and they stay untouched.`);
      say(`Working in its own git worktree on branch ${created.branch} (from ${short(repo.head)}); your working tree stays as it is until you apply the changes.`);
      if (this.o.setupCommand?.trim()) {
        const command = this.o.setupCommand.trim();
        say(`Running the setup command \`${command}\` in the new worktree…`);
        say(describeSetup(command, await runSetup(command, created.path, signal, this.o.setupTimeoutMs)));
      }
      return { cwd: path.join(created.path, repo.subdir), isolation: 'worktree' };
    });
  }

  /** The conversation's changes so far against its base, for `task:complete` (undefined: not a task of this device). */
  async changes(taskId: string): Promise<TaskChanges | undefined> {
    const r = await this.records.get(taskId);
    if (!r || r.state !== 'active') return undefined;
    if (r.isolation === 'none') return { isolation: 'none', reason: r.reason, files: [], additions: 0, deletions: 0 };
    const tree = await snapshotTree(r.path!);
    const s = await summarize(r.path!, r.base!, tree);
    return { isolation: 'worktree', branch: r.branch, base: r.base, files: s.files, additions: s.additions, deletions: s.deletions, ...(s.filesTruncated ? { files_truncated: true } : {}) };
  }

  /** `task:diff`: the unified diff of the conversation (one file with `file`), cut after 1 MB. */
  async diff(taskId: string, file?: string): Promise<Ack<DiffOk>> {
    const r = await this.usable(taskId);
    if (!r.ok) return r;
    let only: string | undefined;
    if (file !== undefined) {
      const confined = await confinePath(r.record.path!, file);
      if (!confined.ok) return fail(ErrorCode.INVALID_PAYLOAD, confined.message);
      only = confined.path;
    }
    const tree = await snapshotTree(r.record.path!);
    return { ok: true, ...(await diffText(r.record.path!, r.record.base!, tree, only)) };
  }

  /** `task:apply`: the changes into the user's working tree (uncommitted), or dropped; then the worktree goes. */
  apply(taskId: string, action: ApplyAction): Promise<Ack<ApplyOk>> {
    return this.locked(`task:${taskId}`, async () => {
      const r = await this.usable(taskId);
      if (!r.ok) return r;
      const rec = r.record;
      const tree = await snapshotTree(rec.path!);
      const { files } = await summarize(rec.path!, rec.base!, tree);
      const names = files.map((f) => f.path);
      if (action === 'apply') {
        const outcome = await applyPatch(rec.repo!, await fullPatch(rec.path!, rec.base!, tree));
        if (!outcome.ok) {
          const list = outcome.files.length ? outcome.files.join(', ') : outcome.detail.split('\n')[0];
          return fail(ErrorCode.CONFLICT, `The changes could not be applied: ${list} changed in your working tree where this conversation changed ${outcome.files.length === 1 ? 'it' : 'them'}. Nothing was applied; commit or stash your edits to ${outcome.files.length === 1 ? 'that file' : 'those files'}, or discard this conversation's changes.`);
        }
      }
      await this.remove(rec);
      await this.records.put({ ...rec, state: action === 'apply' ? 'applied' : 'discarded', last_used_at: now() });
      this.o.logger.info(`Conversation changes ${action === 'apply' ? 'applied to the workspace' : 'discarded'}`, { task_id: taskId, files: names.length });
      return { ok: true, files: names };
    });
  }

  /** What a diff editor needs (VS Code "Open Changes"): the worktree folder, its base and the changed files. */
  async review(taskId: string): Promise<{ root: string; base: string; branch: string; files: TaskChanges['files'] } | undefined> {
    const r = await this.usable(taskId);
    if (!r.ok) return undefined;
    const tree = await snapshotTree(r.record.path!);
    const { files } = await summarize(r.record.path!, r.record.base!, tree);
    return { root: r.record.path!, base: r.record.base!, branch: r.record.branch!, files };
  }

  /** A file as it was in the conversation's base ('' when it did not exist there); the path is confined to the worktree. */
  async baseText(taskId: string, file: string): Promise<string> {
    const r = await this.usable(taskId);
    if (!r.ok) throw new Error(r.error.message);
    const confined = await confinePath(r.record.path!, file);
    if (!confined.ok) throw new Error(confined.message);
    const shown = await git(['show', `${r.record.base}:${confined.path}`], { cwd: r.record.path!, maxBytes: 20_000_000 });
    return shown.code === 0 ? shown.stdout : '';
  }

  /**
   * The conversation was deleted: its worktree and branch go (whatever they held) and the device
   * forgets it. True when nothing of it is left (also when this device never had it).
   */
  forget(taskId: string): Promise<boolean> {
    return this.locked(`task:${taskId}`, async () => {
      const r = await this.records.get(taskId);
      if (!r) return true;
      if (r.state === 'active') await this.remove(r);
      await this.records.remove(taskId);
      this.o.logger.info('Conversation deleted: its worktree and branch were removed', { task_id: taskId, branch: r.branch });
      return true;
    });
  }

  /** The conversation worktrees this device keeps. */
  async list(): Promise<WorktreeInfo[]> {
    const out: WorktreeInfo[] = [];
    for (const r of await this.records.all()) {
      if (r.state !== 'active' || r.isolation !== 'worktree') continue;
      out.push({ task_id: r.task_id, branch: r.branch!, path: r.path!, repo: r.repo!, base: r.base!, created_at: r.created_at, last_used_at: r.last_used_at, exists: await isWorktree(r.path!) });
    }
    return out;
  }

  /**
   * Removes stale worktrees: those whose folder is gone, or not used for `olderThanMs`, except the
   * conversations in `keep` (running now). Also forgets applied/discarded records of that age.
   */
  async prune(olderThanMs: number, keep: ReadonlySet<string> = new Set()): Promise<WorktreeInfo[]> {
    const cutoff = Date.now() - olderThanMs;
    const pruned: WorktreeInfo[] = [];
    for (const info of await this.list()) {
      if (keep.has(info.task_id) || (info.exists && Date.parse(info.last_used_at) > cutoff)) continue;
      const rec = (await this.records.get(info.task_id))!;
      await this.locked(`task:${info.task_id}`, () => this.remove(rec));
      await this.records.remove(info.task_id);
      pruned.push(info);
    }
    for (const r of await this.records.all()) if (r.state !== 'active' && Date.parse(r.last_used_at) <= cutoff) await this.records.remove(r.task_id);
    return pruned;
  }

  private async usable(taskId: string): Promise<{ ok: true; record: WorktreeRecord } | ReturnType<typeof fail>> {
    const r = await this.records.get(taskId);
    if (!r) return fail(ErrorCode.TASK_NOT_FOUND, 'This device has no workspace for that conversation.');
    if (r.isolation === 'none') return fail(ErrorCode.NOT_ISOLATED, `This conversation ran in the workspace folder itself (${r.reason ?? 'not isolated'}): its changes are already there, with nothing separate to show, apply or discard.`);
    if (r.state !== 'active') return fail(ErrorCode.TASK_NOT_FOUND, `This conversation's changes were already ${r.state}; its next message starts from a fresh worktree.`);
    if (!(await isWorktree(r.path!))) return fail(ErrorCode.TASK_NOT_FOUND, 'The worktree of this conversation is gone (removed outside Wegent).');
    return { ok: true, record: r };
  }

  private async inPlace(taskId: string, workspace: string, reason: string, say: Say): Promise<Prepared> {
    say(`Not isolated: ${reason}, so this conversation runs directly in ${workspace}.`);
    await this.records.put({ task_id: taskId, isolation: 'none', state: 'active', reason, created_at: now(), last_used_at: now() });
    return { cwd: workspace, isolation: 'none' };
  }

  private async create(taskId: string, repo: string, head: string, subdir: string): Promise<WorktreeRecord & { path: string }> {
    const repoDir = path.join(this.root, `${path.basename(repo).replace(/[^A-Za-z0-9._-]/g, '_')}-${createHash('sha256').update(repo).digest('hex').slice(0, 8)}`);
    let id = shortId(taskId);
    // Two conversations never share a folder: a short id another one holds gets the id's hash.
    const taken = (await this.records.all()).some((r) => r.task_id !== taskId && r.state === 'active' && r.path === path.join(repoDir, id));
    if (taken) id = `${id}-${createHash('sha256').update(taskId).digest('hex').slice(0, 8)}`;
    // Same folder for the same conversation every time, so its Claude session (kept per folder) resumes.
    const dir = path.join(repoDir, id);
    let branch = `${BRANCH_PREFIX}${id}`;
    await fs.mkdir(repoDir, { recursive: true, mode: 0o700 });
    await git(['worktree', 'prune'], { cwd: repo });
    if (await exists(dir)) {
      await git(['worktree', 'remove', '--force', dir], { cwd: repo });
      await fs.rm(dir, { recursive: true, force: true });
    }
    // A branch of that name left by an earlier worktree of this conversation is replaced; another one gets a suffix.
    const existing = await git(['rev-parse', '--verify', '-q', `refs/heads/${branch}`], { cwd: repo });
    if (existing.code === 0) {
      const gone = await git(['branch', '-D', branch], { cwd: repo });
      if (gone.code !== 0) branch = `${branch}-${Date.now().toString(36)}`;
    }
    await gitOk(['worktree', 'add', '-q', '-b', branch, dir, head], { cwd: repo });
    const record: WorktreeRecord & { path: string } = { task_id: taskId, isolation: 'worktree', state: 'active', repo, subdir, path: dir, branch, base: head, created_at: now(), last_used_at: now() };
    await this.records.put(record);
    this.o.logger.info('Worktree created for a conversation', { task_id: taskId, branch, path: dir });
    return record;
  }

  /** Removes the worktree folder and its branch (the user's repository keeps nothing of it). */
  private async remove(r: WorktreeRecord): Promise<void> {
    if (!r.repo || !r.path) return;
    await this.locked(`repo:${r.repo}`, async () => {
      const removed = await git(['worktree', 'remove', '--force', '--force', r.path!], { cwd: r.repo! });
      if (removed.code !== 0) await fs.rm(r.path!, { recursive: true, force: true });
      await git(['worktree', 'prune'], { cwd: r.repo! });
      if (r.branch) await git(['branch', '-D', r.branch], { cwd: r.repo! });
    });
  }

  private locked<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.locks.get(key) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    void tail.then(() => this.locks.get(key) === tail && this.locks.delete(key));
    return run;
  }
}

/** The branch and folder name of a conversation: its id without the prefix, in git's ref alphabet. */
export function shortId(taskId: string): string {
  const bare = taskId.replace(/^[a-z]+_/, '').replace(/[^A-Za-z0-9_-]/g, '-').replace(/^-+/, '');
  return bare.slice(0, 12) || createHash('sha256').update(taskId).digest('hex').slice(0, 12);
}

const now = () => new Date().toISOString();
const exists = (p: string) => fs.stat(p).then(() => true, () => false);

async function isWorktree(dir: string): Promise<boolean> {
  if (!(await exists(dir))) return false;
  const r = await git(['rev-parse', '--is-inside-work-tree'], { cwd: dir });
  return r.code === 0 && r.stdout.trim() === 'true';
}
