// One Claude Code process in streaming input mode: each turn pushes a user message into the same
// process and reads the SDK's messages up to that turn's `result`, so a follow-up neither re-spawns
// Claude Code nor resumes a session from disk. What a process fixes at start (its tool approver, its
// stderr) is routed to whichever turn runs now (`bind`). A session that was cancelled, failed or
// ended is dead: the pool (claudeProcesses.ts) drops it and the next turn starts another one.
import type { SDKUserMessage } from '@anthropic-ai/claude-agent-sdk';
import type { ImageType, PermissionMode } from '@wegent/shared';
import type { SdkMessageLike } from './claudeEvents';
import type { CanUseTool } from './claude';
import type { HostSettings, ProcessHandle } from './claudeOptions';

type Sdk = typeof import('@anthropic-ai/claude-agent-sdk');
type Query = ReturnType<Sdk['query']>;
/** An image for the turn, as the Messages API takes it (an attachment of the message). */
export interface ImageInput {
  mediaType: ImageType;
  /** Base64 of the bytes. */
  data: string;
}
type UserMessage = SDKUserMessage;
type ContentBlock = Exclude<UserMessage['message']['content'], string>[number];

/** What the turn that runs now wants from process-wide callbacks. */
export interface TurnBinding {
  canUseTool?: CanUseTool;
  /** The folder this turn's tools must stay in, when the process is confined (confinement.ts). */
  confineTo?: string;
  stderr?: (data: string) => void;
}

/** Thrown by the first turn of a session claimed from a spare that refused the claim: start cold. */
export class ClaimRefused extends Error {}

/** A prompt source that stays open between turns (the SDK's streaming input). */
class InputQueue implements AsyncIterable<UserMessage> {
  private readonly items: UserMessage[] = [];
  private wake?: () => void;
  private closed = false;

  push(text: string, images: readonly ImageInput[] = []): void {
    // With images, the content is blocks: the images first, then the text that speaks of them.
    const content: UserMessage['message']['content'] = images.length
      ? [...images.map((i): ContentBlock => ({ type: 'image', source: { type: 'base64', media_type: i.mediaType, data: i.data } })), { type: 'text', text }]
      : text;
    this.items.push({ type: 'user', message: { role: 'user', content }, parent_tool_use_id: null });
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<UserMessage> {
    while (!this.closed) {
      const next = this.items.shift();
      if (next) yield next;
      else await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

export interface SessionStart {
  taskId: string;
  cwd: string;
  permissionMode: PermissionMode;
  model?: string;
  /** How the process came to be, for logs and the bench. */
  origin: 'cold' | 'resumed' | 'spare';
}

export class ClaudeSession {
  readonly input = new InputQueue();
  sessionId?: string;
  permissionMode: PermissionMode;
  model?: string;
  busy = false;
  /** The identity of the folder it started in (claudeProcesses.ts). */
  cwdId?: string;
  alive = true;
  lastUsed = Date.now();
  private query?: Query;
  private messages?: AsyncIterator<SdkMessageLike>;
  /** Set while a spare's claim is unanswered: the first turn holds its messages until it is. */
  private claim?: Promise<unknown>;
  /** A read already asked of the SDK while a claim was awaited; the next read takes it. */
  private pendingRead?: Promise<IteratorResult<SdkMessageLike>>;

  constructor(
    readonly start: SessionStart,
    readonly handle: ProcessHandle,
    /** The settings the process was started with (a change means a new process). */
    readonly host: HostSettings,
  ) {
    this.permissionMode = start.permissionMode;
    this.model = start.model;
  }

  /** Routes the process's callbacks (approver, stderr) to the turn that runs now. */
  bind(binding: TurnBinding): void {
    this.handle.binding = binding;
  }

  get taskId(): string {
    return this.start.taskId;
  }

  attach(query: Query, claim?: Promise<unknown>): void {
    this.query = query;
    this.messages = (query as AsyncIterable<SdkMessageLike>)[Symbol.asyncIterator]();
    this.claim = claim;
  }

  /** Brings a live process to this turn's mode and model, as the SDK allows between turns. */
  async adjust(permissionMode: PermissionMode, model: string | undefined): Promise<void> {
    if (permissionMode !== this.permissionMode) {
      await this.query!.setPermissionMode(permissionMode);
      this.permissionMode = permissionMode;
    }
    if (model !== this.model) {
      await this.query!.setModel(model);
      this.model = model;
    }
  }

  /**
   * Runs one turn: pushes `prompt` (after `images`, as image blocks), hands every message to `onMessage`, resolves with the turn's
   * `result` (undefined when the process ended without one; the session is dead then). Throws what
   * the SDK threw (the session is dead) or ClaimRefused.
   */
  async turn(prompt: string, onMessage: (m: SdkMessageLike) => void, images?: readonly ImageInput[]): Promise<SdkMessageLike | undefined> {
    this.busy = true;
    try {
      this.input.push(prompt, images);
      const held = this.claim ? await this.untilClaimed() : [];
      for (const m of held) if (this.see(m, onMessage)) return m;
      for (;;) {
        const next = await (this.pendingRead ?? this.messages!.next());
        this.pendingRead = undefined;
        if (next.done) {
          this.alive = false;
          return undefined;
        }
        if (this.see(next.value, onMessage)) return next.value;
      }
    } catch (err) {
      this.alive = false;
      throw err;
    } finally {
      this.busy = false;
      this.lastUsed = Date.now();
    }
  }

  /** Ends the process (and any turn it runs). */
  close(): void {
    if (!this.alive && this.handle.abortController.signal.aborted) return;
    this.alive = false;
    this.input.close();
    this.handle.abortController.abort();
    this.query?.close?.();
  }

  private see(m: SdkMessageLike, onMessage: (m: SdkMessageLike) => void): boolean {
    if (m.session_id) this.sessionId = m.session_id;
    onMessage(m);
    return m.type === 'result';
  }

  /**
   * A claimed spare's messages before its claim is answered are held back: if the claim is refused,
   * nothing of it may reach the chat. Any message past the system lines means the prompt runs.
   */
  private async untilClaimed(): Promise<SdkMessageLike[]> {
    const claim = this.claim!.then(
      () => undefined,
      (err: Error) => (String(err?.message).startsWith('option_not_applied') ? undefined : String(err?.message ?? 'claim refused')),
    );
    this.claim = undefined;
    const held: SdkMessageLike[] = [];
    for (;;) {
      const read = this.pendingRead ?? this.messages!.next();
      this.pendingRead = read;
      const first = await Promise.race([claim.then((refusal) => ({ refusal })), read.then((next) => ({ next }))]);
      if ('next' in first) {
        this.pendingRead = undefined;
        if (first.next.done) return held; // turn() sees the end on its next read
        held.push(first.next.value);
        if (first.next.value.type === 'system') continue;
      }
      // The claim was answered, or the prompt already runs (then its answer is at hand).
      const refusal = await claim;
      if (refusal !== undefined) {
        this.close();
        throw new ClaimRefused(`The warm Claude Code process could not take this folder (${refusal}).`);
      }
      return held;
    }
  }
}
