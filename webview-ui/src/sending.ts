// The next message, from the composer to chat:send: its files (checked, thumbnailed, uploaded over
// HTTP first), the turn shown at once under a local key, and what the ack leaves behind (the editor
// context and files went with it). A retry sends a failed message again as it went.
import type { PermissionMode, ProtocolError } from '@wegent/shared';
import { withContext } from './context';
import { NO_ANSWER, now, type Store } from './controllerDeps';
import { addFiles, readPreview, type PendingFile, type Refusal, type TurnFile } from './outgoing';
import { CLOUD_DEVICE_ID, ChatEvent } from './protocol';
import { effectiveDeviceId, turnByKey } from './state';
import type { Transport } from './transport/types';

/** What the controller does after a send changed the conversation. */
export interface SendingHooks {
  /** Saves what the next page load restores (PersistedState), the unsent messages among it. */
  persist(): void;
  resume(subtaskId: string): Promise<void>;
}

export class Sending {
  private sendCounter = 0;

  constructor(
    private readonly store: Store,
    private readonly transport: Transport,
    private readonly hooks: SendingHooks,
  ) {}

  /** Adds pasted, dropped or picked files to the next message: what passes the limits; why not the rest. */
  async addFiles(files: File[]): Promise<Refusal[]> {
    // Thumbnails first: what is added is then decided in one go, against the list as it is now.
    const previews = await Promise.all(files.map((f) => (f.type.startsWith('image/') ? readPreview(f) : undefined)));
    const { files: next, refused } = addFiles(this.store.state.outgoing, files);
    for (const f of next) if (f.kind === 'image' && !f.preview) f.preview = previews[files.indexOf(f.blob as File)];
    this.store.dispatch({ type: 'outgoing', files: next });
    return refused;
  }

  removeFile(localId: string): void {
    this.store.dispatch({ type: 'outgoing', files: this.store.state.outgoing.filter((f) => f.local_id !== localId) });
  }

  /** Sends to the picker's choice with the composer's mode, or (a retry) as the failed message went. */
  async send(message: string, again?: { deviceId?: string; mode?: PermissionMode; model?: string | null }): Promise<boolean> {
    const { store, hooks } = this;
    if (!message.trim()) return false;
    // Editor context goes with a new message; a retry repeats the text that failed, context included.
    const attachments = again ? [] : store.state.attachments;
    const text = withContext(message.trim(), attachments);
    const key = `local:${Date.now()}:${++this.sendCounter}`;
    const device_id = again?.deviceId ?? effectiveDeviceId(store.state);
    const task_id = store.state.taskId ?? undefined;
    const permission_mode = again?.mode ?? store.state.composerMode;
    // null: the device's own model (nothing sent).
    const model = (again ? again.model : store.state.composerModel) ?? undefined;
    // Files go with a new message (a retry repeats the text); they are uploaded first, over HTTP.
    const pending = again || !this.transport.upload ? [] : store.state.outgoing;
    const shown: TurnFile[] = pending.map((f) => ({ attachment_id: f.local_id, name: f.name, media_type: f.media_type, size: f.size, kind: f.kind, ...(f.preview ? { preview: f.preview } : {}) }));
    store.dispatch({ type: 'sendStarted', key, prompt: text, device_id, permission_mode, model, at: now(), files: shown });
    const uploaded = pending.length ? await this.uploadAll(pending) : { ok: true as const, files: [] };
    if (!uploaded.ok) {
      store.dispatch({ type: 'sendFailed', key, error: uploaded.error });
      hooks.persist();
      return false;
    }
    const files = uploaded.files.length ? { attachments: uploaded.files.map((f) => f.attachment_id) } : {};
    const ack = await this.transport.request(ChatEvent.send, { device_id, message: text, permission_mode, ...(model ? { model } : {}), ...(task_id ? { task_id } : {}), ...files });
    if (!ack.ok) {
      store.dispatch({ type: 'sendFailed', key, error: ack.error });
      hooks.persist();
      return false;
    }
    // The backend pushes chat:start before it answers, so the turn normally has its subtask already
    // and every chunk since found it. Only when that start never reached this page (lost while
    // reconnecting) can pushes have gone unmatched: then fetch them.
    const startSeen = turnByKey(store.state, key)?.subtask_id === ack.subtask_id;
    store.dispatch({ type: 'sendAcked', key, ack });
    for (let i = attachments.length - 1; i >= 0; i--) store.dispatch({ type: 'detach', index: i }); // they went with it
    if (pending.length) store.dispatch({ type: 'outgoing', files: store.state.outgoing.filter((f) => !pending.includes(f)) });
    hooks.persist();
    if (!startSeen) void hooks.resume(ack.subtask_id);
    return true;
  }

  /**
   * Sends a failed message again, to the device it went to when that still exists. A message the
   * backend refused leaves the conversation (its retry takes its place); one that failed on a
   * device stays, as history, above its retry.
   */
  async retry(key: string): Promise<boolean> {
    const turn = turnByKey(this.store.state, key);
    if (!turn || turn.status !== 'failed') return false;
    if (turn.subtask_id === null) this.store.dispatch({ type: 'dropTurn', key });
    const known = turn.device_id === CLOUD_DEVICE_ID || this.store.state.devices.some((d) => d.device_id === turn.device_id);
    return this.send(turn.prompt, { deviceId: known ? turn.device_id : undefined, mode: turn.permission_mode, model: turn.model ?? null });
  }

  /** Uploads the next message's files; their metadata (with thumbnails) or the first refusal. */
  private async uploadAll(files: PendingFile[]): Promise<{ ok: true; files: TurnFile[] } | { ok: false; error: ProtocolError }> {
    const out: TurnFile[] = [];
    for (const f of files) {
      const reply = await this.transport.upload!(f.blob, f.name, f.media_type);
      const a = reply.body?.attachment;
      if (reply.status !== 201 || !a) return { ok: false, error: reply.body?.error ?? NO_ANSWER };
      out.push({ attachment_id: a.attachment_id, name: a.name, media_type: a.media_type, size: a.size, kind: a.kind, ...(f.preview ? { preview: f.preview } : {}) });
    }
    return { ok: true, files: out };
  }
}
