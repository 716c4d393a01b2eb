// Glue between a Transport and the pure store: turns pushes into actions (pushes.ts, which also
// fills stream gaps with chat:resume), user intents into requests (the next message: sending.ts),
// and remembers the open conversation.
import type { ChatPermissionReply, DeviceList, PermissionMode, ProtocolError, TaskDetail, TaskSummary } from '@wegent/shared';
import { NO_ANSWER } from './controllerDeps';
import { ChatEvent } from './protocol';
import { Pushes } from './pushes';
import { Sending } from './sending';
import { initialState, liveTurns, reduce, type Action, type State, type View } from './state';
import type { PersistedState, Transport, TransportEvent } from './transport/types';

type Listener = (s: State) => void;

export class Controller {
  private current: State = initialState;
  private readonly listeners = new Set<Listener>();
  private readonly pushes: Pushes;
  private readonly sending: Sending;
  draft = '';

  constructor(readonly transport: Transport) {
    this.pushes = new Pushes(this, transport);
    this.sending = new Sending(this, transport, { persist: () => this.persist(), resume: (id) => this.resume(id) });
    transport.subscribe((e) => this.onTransport(e));
  }

  get state(): State {
    return this.current;
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  dispatch(action: Action): void {
    const next = reduce(this.current, action);
    if (next === this.current) return;
    this.current = next;
    for (const l of [...this.listeners]) l(next);
  }

  async start(): Promise<void> {
    const saved = this.transport.loadState();
    this.draft = saved?.draft ?? '';
    if (saved?.unsent) this.dispatch({ type: 'restoreUnsent', unsent: saved.unsent });
    const info = await this.transport.start();
    this.dispatch({ type: 'init', info });
    if (saved?.pickedDeviceId) this.dispatch({ type: 'pickDevice', device_id: saved.pickedDeviceId });
    if (info.signed_in) await this.loadSignedIn(saved?.taskId ?? null);
  }

  // ---- user intents ---------------------------------------------------------------------------

  /** Removes one of the pieces of editor context waiting for the next message. */
  detach(index: number): void {
    this.dispatch({ type: 'detach', index });
  }

  // The next message (sending.ts): its files, sending it, sending a failed one again.
  addFiles(...a: Parameters<Sending['addFiles']>) { return this.sending.addFiles(...a); }
  removeFile(...a: Parameters<Sending['removeFile']>) { return this.sending.removeFile(...a); }
  send(...a: Parameters<Sending['send']>) { return this.sending.send(...a); }
  retry(...a: Parameters<Sending['retry']>) { return this.sending.retry(...a); }

  async cancel(subtaskId: string): Promise<void> {
    this.dispatch({ type: 'stopping', subtask_id: subtaskId, on: true });
    const ack = await this.transport.request(ChatEvent.cancel, { subtask_id: subtaskId });
    if (!ack.ok) {
      this.dispatch({ type: 'stopping', subtask_id: subtaskId, on: false });
      this.fail(ack.error);
    }
  }

  /** How much the next message may do (kept with the conversation: its last message's mode). */
  setComposerMode(mode: PermissionMode): void {
    this.dispatch({ type: 'setComposerMode', mode });
  }

  /** The model of the next message (null: the device's default; kept with the conversation). */
  setComposerModel(model: string | null): void {
    this.dispatch({ type: 'setComposerModel', model });
  }

  /**
   * Answers a permission request. The card changes when the backend tells every chat
   * (`chat:permission_decided`); a refusal (ALREADY_DECIDED…) comes back for the card to show.
   */
  async answerPermission(reply: ChatPermissionReply): Promise<ProtocolError | null> {
    const ack = await this.transport.request(ChatEvent.permissionReply, reply);
    return ack.ok ? null : ack.error;
  }

  pickDevice(deviceId: string): void {
    this.dispatch({ type: 'pickDevice', device_id: deviceId });
    this.persist();
  }

  async toggleDefault(deviceId: string): Promise<void> {
    const device = this.current.devices.find((d) => d.device_id === deviceId);
    if (!device) return;
    const path = `/api/devices/${encodeURIComponent(deviceId)}/default`;
    const reply = await this.transport.http(device.is_default ? 'DELETE' : 'PUT', path);
    if (reply.status >= 300) return this.failHttp(reply.body);
    this.dispatch({ type: 'defaultChanged', device_id: device.is_default ? null : deviceId });
  }

  async deleteDevice(deviceId: string): Promise<void> {
    const reply = await this.transport.http('DELETE', `/api/devices/${encodeURIComponent(deviceId)}`);
    if (reply.status >= 300 && reply.status !== 404) return this.failHttp(reply.body);
    this.dispatch({ type: 'deviceDeleted', device_id: deviceId });
  }

  /** Deletes a conversation (its device then removes its worktree); the open one gives way to a new one. */
  async deleteConversation(taskId: string): Promise<void> {
    const reply = await this.transport.http('DELETE', `/api/tasks/${encodeURIComponent(taskId)}`);
    if (reply.status >= 300 && reply.status !== 404) return this.failHttp(reply.body);
    this.dispatch({ type: 'conversationDeleted', task_id: taskId });
    if (this.current.taskId !== taskId) return;
    // The open one: a new conversation takes its place, and the list stays in view.
    this.newConversation();
    this.dispatch({ type: 'setView', view: 'history' });
  }

  newConversation(): void {
    // A new conversation starts with an empty box (not the text of a message that failed).
    this.draft = '';
    this.dispatch({ type: 'newConversation' });
    this.persist();
  }

  setView(view: View): void {
    this.dispatch({ type: 'setView', view });
    if (view === 'history') void this.loadHistory();
  }

  async loadHistory(): Promise<void> {
    const reply = await this.transport.http<{ tasks: TaskSummary[] } | TaskSummary[]>('GET', '/api/tasks');
    if (reply.status !== 200) return this.failHttp(reply.body);
    const tasks = Array.isArray(reply.body) ? reply.body : reply.body.tasks ?? [];
    this.dispatch({ type: 'historyLoaded', tasks });
  }

  async openConversation(taskId: string): Promise<boolean> {
    const reply = await this.transport.http<TaskDetail | { task: TaskDetail }>('GET', `/api/tasks/${encodeURIComponent(taskId)}`);
    if (reply.status !== 200) {
      if (reply.status !== 404) this.failHttp(reply.body);
      return false;
    }
    const task = 'task' in reply.body ? reply.body.task : reply.body;
    this.dispatch({ type: 'conversationLoaded', task });
    this.persist();
    // Anything streamed between the HTTP read and now arrives by push; resume covers the gap.
    for (const turn of liveTurns(this.current)) void this.resume(turn.subtask_id!);
    return true;
  }

  async refreshDevices(): Promise<void> {
    const reply = await this.transport.http<DeviceList>('GET', '/api/devices');
    if (reply.status === 200) this.dispatch({ type: 'devicesLoaded', devices: reply.body.devices, cloud: reply.body.cloud });
    // Offline, the banner says why already (the picker shows the last list, statuses unknown).
    else if (this.current.connection !== 'disconnected') this.failHttp(reply.body);
  }

  dismissNotice(): void {
    this.dispatch({ type: 'notice', notice: null });
  }

  saveDraft(draft: string): void {
    this.draft = draft;
    this.persist();
  }

  // ---- transport events -----------------------------------------------------------------------

  private onTransport(e: TransportEvent): void {
    switch (e.type) {
      case 'info': {
        // The first info is start()'s to handle (it restores the saved conversation first).
        if (!this.current.info) return;
        const wasSignedIn = this.current.info.signed_in;
        this.dispatch({ type: 'init', info: e.info });
        if (e.info.signed_in && !wasSignedIn) void this.loadSignedIn(this.current.taskId);
        if (!e.info.signed_in && wasSignedIn) this.forget();
        break;
      }
      case 'connection': {
        const was = this.current.connection;
        this.dispatch({ type: 'connection', status: e.status, message: e.message });
        if (e.status === 'signed-out' && was !== 'signed-out') this.forget();
        // After time away, devices may have changed and streams may have moved on.
        if (e.status === 'connected' && was !== 'connected' && this.current.info?.signed_in) {
          this.dispatch({ type: 'notice', notice: null }); // what failed while away is stale now
          void this.catchUp();
        }
        break;
      }
      case 'push':
        this.pushes.onPush(e.event, e.payload);
        break;
      case 'toggleSettings':
        this.setView(this.current.view === 'settings' ? 'chat' : 'settings');
        break;
      case 'context':
        this.dispatch({ type: 'attach', item: e.item });
        break;
    }
  }

  // A subtask's stream after its last applied seq, fetched with chat:resume (pushes.ts).
  resume(...a: Parameters<Pushes['resume']>) { return this.pushes.resume(...a); }

  private async loadSignedIn(taskId: string | null): Promise<void> {
    await this.refreshDevices();
    if (taskId && !(await this.openConversation(taskId))) this.newConversation();
  }

  private async catchUp(): Promise<void> {
    // Only turns live while the page was away can have missed pushes; one sent after the reconnect
    // (while the device list loads) is streamed normally and needs no resume.
    const away = liveTurns(this.current).map((t) => t.subtask_id!);
    await Promise.all([this.refreshDevices(), ...away.map((id) => this.resume(id))]);
  }

  private fail(error: ProtocolError): void {
    // The server's sentence is written for people; the code is for programs.
    this.dispatch({ type: 'notice', notice: { kind: 'error', text: error.message || error.code } });
  }

  private failHttp(body: unknown): void {
    const error = (body as { error?: ProtocolError } | null)?.error;
    this.fail(error ?? NO_ANSWER);
  }

  /** After sign-out: drop everything the previous account saw, on screen and in saved state. */
  private forget(): void {
    this.draft = '';
    this.dispatch({ type: 'reset' });
    this.persist();
  }

  private persist(): void {
    const s: PersistedState = { taskId: this.current.taskId, pickedDeviceId: this.current.pickedDeviceId, draft: this.draft, unsent: this.current.unsent };
    this.transport.saveState(s);
  }
}
