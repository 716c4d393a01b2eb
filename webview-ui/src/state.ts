// The chat's one store: devices, the open conversation and its streams, the history list.
// Pure: `reduce(state, action)` returns a new state and never talks to a transport, so every rule
// here (seq de-duplication, matching pushes to turns, the default device) is unit-tested alone.
import type {
  ChatChunk,
  ChatDone,
  ChatSendOk,
  ChatStart,
  ChatStatus,
  ConnectionStatus,
  DeviceStatusEvent,
  DeviceView,
  HostInfo,
  ProtocolError,
  SubtaskStatus,
  TaskDetail,
  TaskEvent,
  TaskSummary,
} from '@wegent/shared';
import { CLOUD_DEVICE_ID, isFinalStatus } from './protocol';

export type View = 'chat' | 'history' | 'settings';
/** `sending` is local only: the message left but `chat:send` has not answered yet. */
export type TurnStatus = SubtaskStatus | 'sending';

/** One message of the user and the reply streamed for it (one subtask). */
export interface Turn {
  key: string;
  subtask_id: string | null;
  task_id: string | null;
  device_id: string;
  prompt: string;
  status: TurnStatus;
  queue_position?: number;
  events: TaskEvent[];
  /** The highest seq applied; chunks are applied strictly in order, each once. */
  last_seq: number;
  result?: string;
  error?: ProtocolError;
}

export interface Notice {
  kind: 'error' | 'info';
  text: string;
}

export interface State {
  info: HostInfo | null;
  connection: ConnectionStatus;
  connectionMessage?: string;
  devices: DeviceView[];
  devicesLoaded: boolean;
  /** Devices deleted from this page: a late "offline" push must not bring them back. */
  deletedDeviceIds: string[];
  /** The device the user chose in the picker; null means "the default" (see effectiveDeviceId). */
  pickedDeviceId: string | null;
  taskId: string | null;
  turns: Turn[];
  history: TaskSummary[];
  historyLoaded: boolean;
  view: View;
  notice: Notice | null;
}

export const initialState: State = {
  info: null,
  connection: 'connecting',
  devices: [],
  devicesLoaded: false,
  deletedDeviceIds: [],
  pickedDeviceId: null,
  taskId: null,
  turns: [],
  history: [],
  historyLoaded: false,
  view: 'chat',
  notice: null,
};

export type Action =
  | { type: 'init'; info: HostInfo }
  | { type: 'connection'; status: ConnectionStatus; message?: string }
  | { type: 'devicesLoaded'; devices: DeviceView[] }
  | { type: 'deviceStatus'; event: DeviceStatusEvent }
  | { type: 'defaultChanged'; device_id: string | null }
  | { type: 'deviceDeleted'; device_id: string }
  | { type: 'pickDevice'; device_id: string | null }
  | { type: 'newConversation' }
  | { type: 'sendStarted'; key: string; prompt: string; device_id: string }
  | { type: 'sendAcked'; key: string; ack: ChatSendOk }
  | { type: 'sendFailed'; key: string; error: ProtocolError }
  | { type: 'chatStart'; event: ChatStart }
  | { type: 'chatStatus'; event: ChatStatus }
  | { type: 'chunk'; event: ChatChunk }
  | { type: 'done'; event: ChatDone }
  | { type: 'conversationLoaded'; task: TaskDetail }
  | { type: 'historyLoaded'; tasks: TaskSummary[] }
  | { type: 'setView'; view: View }
  | { type: 'notice'; notice: Notice | null }
  /** Signed out: nothing of the previous account may stay on screen. */
  | { type: 'reset' };

export function reduce(state: State, action: Action): State {
  switch (action.type) {
    case 'init':
      return { ...state, info: action.info };
    case 'connection':
      return { ...state, connection: action.status, connectionMessage: action.message };
    case 'devicesLoaded':
      return { ...state, devices: sortDevices(action.devices), devicesLoaded: true };
    case 'deviceStatus':
      return applyDeviceStatus(state, action.event);
    case 'defaultChanged':
      return {
        ...state,
        devices: state.devices.map((d) => ({ ...d, is_default: d.device_id === action.device_id })),
      };
    case 'deviceDeleted':
      return removeDevice(state, action.device_id);
    case 'pickDevice':
      return { ...state, pickedDeviceId: action.device_id };
    case 'newConversation':
      // A new conversation starts on the default device again (S13).
      return { ...state, taskId: null, turns: [], pickedDeviceId: null, view: 'chat' };
    case 'sendStarted':
      return {
        ...state,
        turns: [...state.turns, newTurn(action.key, state.taskId, action.device_id, action.prompt)],
      };
    case 'sendAcked':
      return applySendAck(state, action.key, action.ack);
    case 'sendFailed':
      return {
        ...state,
        turns: updateTurn(state.turns, (t) => t.key === action.key, (t) => ({ ...t, status: 'failed', error: action.error })),
      };
    case 'chatStart':
      return applyStart(state, action.event);
    case 'chatStatus':
      return updateBySubtask(state, action.event.subtask_id, (t) =>
        isFinalStatus(t.status as SubtaskStatus) ? t : { ...t, status: action.event.status, queue_position: action.event.queue_position },
      );
    case 'chunk':
      return updateBySubtask(state, action.event.subtask_id, (t) => applyChunk(t, action.event));
    case 'done':
      return applyDone(state, action.event);
    case 'conversationLoaded':
      return { ...state, taskId: action.task.task_id, turns: turnsOf(action.task), pickedDeviceId: lastDevice(action.task), view: 'chat' };
    case 'historyLoaded':
      return { ...state, history: action.tasks, historyLoaded: true };
    case 'setView':
      return { ...state, view: action.view };
    case 'notice':
      return { ...state, notice: action.notice };
    case 'reset':
      return { ...initialState, info: state.info, connection: state.connection, connectionMessage: state.connectionMessage };
  }
}

// ---- devices ----------------------------------------------------------------------------------

const STATUS_ORDER: Record<DeviceView['status'], number> = { online: 0, busy: 1, offline: 2 };

/** Default first, then reachable before offline, then by name: the order the picker shows. */
export function sortDevices(devices: DeviceView[]): DeviceView[] {
  return [...devices].sort(
    (a, b) =>
      Number(b.is_default) - Number(a.is_default) ||
      STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
      a.name.localeCompare(b.name) ||
      a.device_id.localeCompare(b.device_id),
  );
}

function applyDeviceStatus(state: State, e: DeviceStatusEvent): State {
  if (e.deleted) return removeDevice(state, e.device_id);
  const known = state.devices.find((d) => d.device_id === e.device_id);
  if (!known && state.deletedDeviceIds.includes(e.device_id)) {
    // The executor going away after its deletion is old news; one that comes back online has
    // re-registered (S14) and is listed again.
    if (e.status === 'offline') return state;
    state = { ...state, deletedDeviceIds: state.deletedDeviceIds.filter((id) => id !== e.device_id) };
  }
  const updated: DeviceView = {
    ...(known ?? { is_default: false, last_seen_at: null, executor_version: null, mode: 'local' as const }),
    device_id: e.device_id,
    name: e.name,
    status: e.status,
    slots_used: e.slots_used,
    max_slots: e.max_slots,
    ...(e.is_default !== undefined ? { is_default: e.is_default } : {}),
  };
  let devices = known ? state.devices.map((d) => (d.device_id === e.device_id ? updated : d)) : [...state.devices, updated];
  if (updated.is_default) devices = devices.map((d) => (d.device_id === e.device_id ? d : { ...d, is_default: false }));
  return { ...state, devices: sortDevices(devices) };
}

function removeDevice(state: State, deviceId: string): State {
  return {
    ...state,
    devices: state.devices.filter((d) => d.device_id !== deviceId),
    deletedDeviceIds: state.deletedDeviceIds.includes(deviceId) ? state.deletedDeviceIds : [...state.deletedDeviceIds.slice(-99), deviceId],
    pickedDeviceId: state.pickedDeviceId === deviceId ? null : state.pickedDeviceId,
  };
}

export function defaultDevice(state: State): DeviceView | undefined {
  return state.devices.find((d) => d.is_default);
}

/**
 * Where the next message goes: the device picked for this conversation if it still exists,
 * else the default device when it is reachable, else Cloud.
 */
export function effectiveDeviceId(state: State): string {
  const picked = state.pickedDeviceId;
  if (picked === CLOUD_DEVICE_ID) return picked;
  if (picked && state.devices.some((d) => d.device_id === picked)) return picked;
  const def = defaultDevice(state);
  return def && def.status !== 'offline' ? def.device_id : CLOUD_DEVICE_ID;
}

export function deviceName(state: State, deviceId: string): string | undefined {
  return state.devices.find((d) => d.device_id === deviceId)?.name;
}

// ---- turns and streams ------------------------------------------------------------------------

function newTurn(key: string, taskId: string | null, deviceId: string, prompt: string): Turn {
  return { key, subtask_id: null, task_id: taskId, device_id: deviceId, prompt, status: 'sending', events: [], last_seq: 0 };
}

function updateTurn(turns: Turn[], match: (t: Turn) => boolean, change: (t: Turn) => Turn): Turn[] {
  let changed = false;
  const next = turns.map((t) => {
    if (!match(t)) return t;
    const u = change(t);
    if (u !== t) changed = true;
    return u;
  });
  return changed ? next : turns;
}

function updateBySubtask(state: State, subtaskId: string, change: (t: Turn) => Turn): State {
  const turns = updateTurn(state.turns, (t) => t.subtask_id === subtaskId, change);
  return turns === state.turns ? state : { ...state, turns };
}

function applySendAck(state: State, key: string, ack: ChatSendOk): State {
  const turns = updateTurn(
    state.turns,
    (t) => t.key === key,
    (t) => ({
      ...t,
      subtask_id: ack.subtask_id,
      task_id: ack.task_id,
      // A push (start, chunk, done) may have overtaken the ack: never move a turn backwards.
      status: t.status === 'sending' || t.status === 'pending' ? ack.status : t.status,
      queue_position: t.status === 'sending' || t.status === 'pending' ? ack.queue_position : t.queue_position,
    }),
  );
  return { ...state, turns, taskId: state.taskId ?? ack.task_id };
}

/**
 * `chat:start` for a subtask this page does not know yet: either our own message whose ack is
 * still on its way (adopt the waiting turn), or a message sent to this conversation from
 * another window (add it).
 */
function applyStart(state: State, e: ChatStart): State {
  const status = e.status ?? 'pending';
  if (state.turns.some((t) => t.subtask_id === e.subtask_id)) {
    return updateBySubtask(state, e.subtask_id, (t) =>
      t.status === 'sending' || t.status === 'pending' ? { ...t, status, queue_position: e.queue_position } : t,
    );
  }
  const inThisConversation = state.taskId === e.task_id;
  const waiting = state.turns.find(
    (t) => t.status === 'sending' && t.subtask_id === null && t.device_id === e.device_id &&
      (state.taskId === null || inThisConversation) && (e.prompt === undefined || e.prompt === t.prompt),
  );
  if (waiting) {
    const turns = updateTurn(state.turns, (t) => t === waiting, (t) => ({
      ...t, subtask_id: e.subtask_id, task_id: e.task_id, status, queue_position: e.queue_position,
    }));
    return { ...state, turns, taskId: state.taskId ?? e.task_id };
  }
  if (!inThisConversation) return touchHistory(state, e.task_id, status);
  const turn: Turn = {
    ...newTurn(`remote:${e.subtask_id}`, e.task_id, e.device_id, e.prompt ?? ''),
    subtask_id: e.subtask_id,
    status,
    queue_position: e.queue_position,
  };
  return { ...state, turns: [...state.turns, turn] };
}

/** Applies a chunk once and in order: old seqs are ignored, a gap leaves the turn for resume. */
export function applyChunk(turn: Turn, chunk: ChatChunk): Turn {
  if (chunk.seq !== turn.last_seq + 1) return turn;
  const running = turn.status === 'sending' || turn.status === 'pending' || turn.status === 'queued';
  return {
    ...turn,
    events: [...turn.events, ...chunk.events],
    last_seq: chunk.seq,
    status: running ? 'running' : turn.status,
    queue_position: running ? undefined : turn.queue_position,
  };
}

/** True when a chunk shows that some earlier ones never arrived (resume to fill the gap). */
export function hasGap(turn: Turn | undefined, chunk: ChatChunk): boolean {
  return !!turn && chunk.seq > turn.last_seq + 1;
}

function applyDone(state: State, e: ChatDone): State {
  const next = updateBySubtask(state, e.subtask_id, (t) => ({
    ...t,
    status: e.status,
    queue_position: undefined,
    result: e.result,
    error: e.error,
  }));
  return touchHistory(next, e.task_id, e.status);
}

function touchHistory(state: State, taskId: string, status: SubtaskStatus): State {
  if (!state.history.some((h) => h.task_id === taskId)) return state;
  return { ...state, history: state.history.map((h) => (h.task_id === taskId ? { ...h, status } : h)) };
}

function turnsOf(task: TaskDetail): Turn[] {
  return task.subtasks.map((s) => {
    const chunks = [...s.events].sort((a, b) => a.seq - b.seq);
    let turn: Turn = {
      key: s.subtask_id, subtask_id: s.subtask_id, task_id: task.task_id, device_id: s.device_id,
      prompt: s.prompt, status: 'pending', events: [], last_seq: 0,
    };
    for (const c of chunks) turn = applyChunk(turn, c);
    return { ...turn, status: s.status, result: s.result ?? undefined, error: s.error ?? undefined };
  });
}

function lastDevice(task: TaskDetail): string | null {
  return task.subtasks.length ? task.subtasks[task.subtasks.length - 1].device_id : task.device_id ?? null;
}

/** Turns still waiting or streaming: what Stop cancels and what a reconnect resumes. */
export function liveTurns(state: State): Turn[] {
  return state.turns.filter((t) => t.subtask_id !== null && !isFinalStatus(t.status as SubtaskStatus) && t.status !== 'sending');
}

export function turnBySubtask(state: State, subtaskId: string): Turn | undefined {
  return state.turns.find((t) => t.subtask_id === subtaskId);
}

export function isLive(turn: Turn): boolean {
  return turn.status === 'sending' || !isFinalStatus(turn.status as SubtaskStatus);
}
