// Keeps Claude Code warm so the user does not wait for it to start:
//  - a conversation's process stays alive for an idle window after its turn, and the follow-up is
//    pushed into it (no re-spawn, no resume from disk);
//  - one prewarmed spare (the SDK's prewarm(): started, initialised, not yet bound to a folder) is
//    claimed by the next new conversation, in whatever folder or worktree that conversation runs.
// Bounded: at most `maxIdle` idle processes (the oldest goes first) plus one spare, each ~250 MB;
// nothing warm while the device is offline (setActive(false)). A process that was cancelled or
// failed is never reused: the next turn starts cold, exactly as without this pool.
import { stat } from 'node:fs/promises';
import type { PermissionMode } from '@wegent/shared';
import type { Logger } from './api';
import { hostOptions, newHandle, sameHost, type HostSettings, type ProcessHandle } from './claudeOptions';
import { ClaudeSession } from './claudeSession';

type Sdk = typeof import('@anthropic-ai/claude-agent-sdk');
type Spare = Awaited<ReturnType<Sdk['prewarm']>>;

export interface WarmOptions {
  /** How long a conversation's process outlives its turn, ms; 0: never (every turn starts cold). */
  keepAliveMs: number;
  /** Keep one prewarmed process for the next new conversation. */
  spare: boolean;
  /** The most idle processes kept at once (the device's slots). */
  maxIdle: number;
}

export interface OpenRequest {
  taskId: string;
  cwd: string;
  permissionMode: PermissionMode;
  model?: string;
  /** The Claude session this turn continues, if any. */
  resume?: string;
}

export interface WarmStats {
  spare: 'none' | 'starting' | 'ready';
  /** Processes of conversations, idle or running a turn. */
  live: number;
  /** How the sessions of this pool began, since it was made. */
  started: Record<ClaudeSession['start']['origin'], number>;
}

/** A folder's identity (device and inode), so a folder made again under the same path is told apart. */
async function folderId(dir: string): Promise<string | undefined> {
  try {
    const s = await stat(dir);
    return `${s.dev}:${s.ino}`;
  } catch {
    return undefined;
  }
}

export class ClaudeProcesses {
  private readonly sessions = new Map<string, ClaudeSession>();
  private readonly idleTimers = new Map<ClaudeSession, NodeJS.Timeout>();
  private spare?: { host: HostSettings; handle: ProcessHandle; ready?: Spare; starting?: Promise<void> };
  private host?: HostSettings;
  private active = false;
  /** Set when prewarming failed: not tried again until the device comes online again. */
  private spareFailed = false;
  private readonly started = { cold: 0, resumed: 0, spare: 0 };

  constructor(
    private readonly loadSdk: () => Promise<Sdk>,
    private readonly options: WarmOptions,
    private readonly log?: Logger,
  ) {}

  stats(): WarmStats {
    return { spare: this.spare?.ready ? 'ready' : this.spare ? 'starting' : 'none', live: this.sessions.size, started: { ...this.started } };
  }

  /** Online: keep a spare ready (when enabled). Offline or stopping: nothing warm. */
  setActive(active: boolean, host?: HostSettings): void {
    if (active && !this.active) this.spareFailed = false;
    this.active = active;
    if (host) this.host = host;
    if (active) return this.ensureSpare();
    this.closeSpare();
    for (const s of this.sessions.values()) if (!s.busy) this.drop(s);
  }

  /** The process for this turn: the conversation's live one, a claimed spare, or a new one. */
  async open(req: OpenRequest, host: HostSettings): Promise<ClaudeSession> {
    const sdk = await this.loadSdk();
    const live = this.sessions.get(req.taskId);
    // Two turns of one conversation at once (should not happen): the second gets a process of its own.
    const untracked = live?.busy === true;
    if (live && !untracked) {
      this.clearIdle(live);
      // Same folder by identity too: a worktree removed and made again (after apply or discard) is a new folder.
      const fits = live.alive && !live.busy && live.start.cwd === req.cwd && live.cwdId === (await folderId(req.cwd)) && req.resume !== undefined && req.resume === live.sessionId && sameHost(live.host, host);
      if (fits && (await live.adjust(req.permissionMode, req.model).then(() => true, () => false))) return live;
      this.drop(live);
    }
    const spare = !req.resume ? this.takeSpare(host) : undefined;
    const handle = spare?.handle ?? newHandle();
    const session = new ClaudeSession({ taskId: req.taskId, cwd: req.cwd, permissionMode: req.permissionMode, model: req.model, origin: spare ? 'spare' : req.resume ? 'resumed' : 'cold' }, handle, host);
    if (spare) {
      const q = spare.ready!.claim({ prompt: session.input, options: { cwd: req.cwd, permissionMode: req.permissionMode, model: req.model } });
      session.attach(q, spare.ready!.claimed);
    } else {
      const q = sdk.query({ prompt: session.input, options: { ...hostOptions(host, handle), cwd: req.cwd, permissionMode: req.permissionMode, model: req.model, resume: req.resume } });
      session.attach(q);
    }
    this.started[session.start.origin]++;
    session.cwdId = await folderId(req.cwd);
    if (!untracked) this.sessions.set(req.taskId, session);
    this.ensureSpare();
    return session;
  }

  /** After a turn: keep the process for the idle window, or end it. */
  release(session: ClaudeSession, reusable: boolean): void {
    if (this.sessions.get(session.taskId) !== session) return session.close();
    if (!reusable || !session.alive || !this.active || this.options.keepAliveMs <= 0) return this.drop(session);
    const timer = setTimeout(() => this.drop(session), this.options.keepAliveMs);
    timer.unref();
    this.idleTimers.set(session, timer);
    const idle = [...this.sessions.values()].filter((s) => !s.busy).sort((a, b) => a.lastUsed - b.lastUsed);
    while (idle.length > this.options.maxIdle) this.drop(idle.shift()!);
  }

  /** Ends a conversation's process now (its worktree went away, the conversation was deleted). */
  forget(taskId: string): void {
    const s = this.sessions.get(taskId);
    if (s) this.drop(s);
  }

  closeAll(): void {
    this.active = false;
    this.closeSpare();
    for (const s of this.sessions.values()) this.drop(s);
  }

  private drop(session: ClaudeSession): void {
    this.clearIdle(session);
    if (this.sessions.get(session.taskId) === session) this.sessions.delete(session.taskId);
    session.close();
  }

  private clearIdle(session: ClaudeSession): void {
    const t = this.idleTimers.get(session);
    if (t) clearTimeout(t);
    this.idleTimers.delete(session);
  }

  private takeSpare(host: HostSettings) {
    const spare = this.spare;
    if (!spare?.ready) return undefined;
    this.spare = undefined;
    if (sameHost(spare.host, host)) return spare;
    void spare.ready.close();
    return undefined;
  }

  private ensureSpare(): void {
    if (!this.active || !this.options.spare || !this.host || this.spare || this.spareFailed) return;
    const host = this.host;
    const handle = newHandle();
    const entry: NonNullable<ClaudeProcesses['spare']> = { host, handle };
    this.spare = entry;
    entry.starting = this.loadSdk()
      .then((sdk) => sdk.prewarm({ options: hostOptions(host, handle) }))
      .then((ready) => {
        if (this.spare !== entry) return void ready.close();
        entry.ready = ready;
        entry.starting = undefined;
        // A spare that dies while parked is replaced.
        void ready.exited.then(() => {
          if (this.spare === entry) (this.spare = undefined), this.ensureSpare();
        });
      })
      .catch((err: Error) => {
        if (this.spare === entry) this.spare = undefined;
        this.spareFailed = true;
        this.log?.warn(`Could not keep a Claude Code process ready: ${err.message}; new conversations start it cold`);
      });
  }

  private closeSpare(): void {
    const spare = this.spare;
    this.spare = undefined;
    // A spare still starting is closed once it is up (ensureSpare): aborting its start leaves the process behind.
    if (spare?.ready) void spare.ready.close();
  }
}
