// The chat's one store: devices (devices.ts), the open conversation and its streams
// (conversation.ts, turns.ts), the history list and the page's own bits. Pure: `reduce(state,
// action)` returns a new state (the same object when nothing changed) and never talks to a
// transport, so every rule is unit-tested alone; controller.ts feeds it.
import type { PendingFile, TurnFile } from './outgoing';
import type {
  ChatChangesDecided, ChatChunk, ChatDone, CloudPool, ChatPermissionDecided, ChatSendOk, ChatStart, ChatStatus, ConnectionStatus, DeviceStatusEvent, DeviceView,
  ContextItem, HostInfo, PermissionMode, ProtocolError, SubtaskStatus, TaskDetail, TaskSummary,
} from '@wegent/shared';
import { sameContext } from './context';
import { DEFAULT_CHAT_PERMISSION_MODE } from './protocol';
import * as conversation from './conversation';
import * as devices from './devices';
import * as unsent from './unsent';

export { effectiveDeviceId, deviceName, defaultDevice, sortDevices } from './devices';
export { liveTurns, stoppableTurn, turnBySubtask, turnByKey } from './conversation';
export { applyChunk, doneIsAhead, hasGap, type Turn, type TurnStatus } from './turns';

export type View = 'chat' | 'history' | 'settings';

export interface Notice {
  kind: 'error' | 'info';
  text: string;
}

export interface State extends devices.DeviceSlice, conversation.ConversationSlice {
  info: HostInfo | null;
  connection: ConnectionStatus;
  connectionMessage?: string;
  history: TaskSummary[];
  historyLoaded: boolean;
  view: View;
  notice: Notice | null;
  /** The composer's permission mode: the open conversation's last, or the default for a new one. */
  composerMode: PermissionMode;
  /** The composer's model: the open conversation's last choice; null: the device's default. */
  composerModel: string | null;
  /** Refused messages by conversation (unsent.ts): shown again when it is reopened. */
  unsent: unsent.Unsent;
  /** Changes when the composer must start empty (a new conversation, another account). */
  composerKey: number;
  /** Subtasks of any conversation that wait for an answer now (chat:status), by subtask → task id. */
  awaiting: Readonly<Record<string, string>>;
  /** What the user added from the editor (VS Code) for the next message. */
  attachments: ContextItem[];
  /** Files and images attached to the next message (outgoing.ts), uploaded when it is sent. */
  outgoing: PendingFile[];
}

export const initialState: State = {
  ...devices.initialDevices,
  ...conversation.emptyConversation,
  info: null,
  connection: 'connecting',
  history: [],
  historyLoaded: false,
  view: 'chat',
  notice: null,
  composerMode: DEFAULT_CHAT_PERMISSION_MODE,
  composerModel: null,
  unsent: {},
  composerKey: 0,
  awaiting: {},
  attachments: [],
  outgoing: [],
};

/** `awaiting` with one subtask marked waiting or not; the same object when nothing changed. */
function markAwaiting(state: State, subtaskId: string, taskId: string, waiting: boolean): State {
  if (waiting === (subtaskId in state.awaiting)) return state;
  const { [subtaskId]: _gone, ...rest } = state.awaiting;
  return { ...state, awaiting: waiting ? { ...rest, [subtaskId]: taskId } : rest };
}

/** Conversations other than the open one that wait for an answer (the header's history badge). */
export function otherConversationsWaiting(state: State): number {
  return new Set(Object.values(state.awaiting).filter((t) => t !== state.taskId)).size;
}

export type Action =
  | { type: 'init'; info: HostInfo }
  | { type: 'connection'; status: ConnectionStatus; message?: string }
  | { type: 'devicesLoaded'; devices: DeviceView[]; cloud?: CloudPool }
  | { type: 'deviceStatus'; event: DeviceStatusEvent }
  | { type: 'defaultChanged'; device_id: string | null }
  | { type: 'deviceDeleted'; device_id: string }
  | { type: 'pickDevice'; device_id: string | null }
  | { type: 'newConversation' }
  | { type: 'sendStarted'; key: string; prompt: string; device_id: string; permission_mode?: PermissionMode; model?: string; at?: string; files?: TurnFile[] }
  | { type: 'sendAcked'; key: string; ack: ChatSendOk }
  | { type: 'outgoing'; files: PendingFile[] }
  | { type: 'sendFailed'; key: string; error: ProtocolError }
  | { type: 'chatStart'; event: ChatStart; at?: string }
  | { type: 'chatStatus'; event: ChatStatus; at?: string }
  | { type: 'chunk'; event: ChatChunk; at?: string }
  | { type: 'done'; event: ChatDone; at?: string }
  /** Stop pressed (on) or refused (off) for a live turn. */
  | { type: 'stopping'; subtask_id: string; on: boolean }
  | { type: 'restoreUnsent'; unsent: unsent.Unsent }
  /** A refused turn is sent again (retry) or dropped: it leaves the remembered ones. */
  | { type: 'dropTurn'; key: string }
  | { type: 'permissionDecided'; event: ChatPermissionDecided }
  | { type: 'changesDecided'; event: ChatChangesDecided }
  | { type: 'setComposerMode'; mode: PermissionMode }
  | { type: 'setComposerModel'; model: string | null }
  | { type: 'attach'; item: ContextItem }
  | { type: 'detach'; index: number }
  | { type: 'conversationLoaded'; task: TaskDetail }
  | { type: 'historyLoaded'; tasks: TaskSummary[] }
  | { type: 'conversationDeleted'; task_id: string }
  | { type: 'setView'; view: View }
  | { type: 'notice'; notice: Notice | null }
  /** Signed out: nothing of the previous account may stay on screen. */
  | { type: 'reset' };

/** `state` with a slice's fields replaced; `state` itself when the slice changed nothing. */
function merge<T extends object>(state: State, slice: T): State {
  for (const k of Object.keys(slice) as (keyof T & keyof State)[]) {
    if (slice[k] !== (state[k] as unknown)) return { ...state, ...slice };
  }
  return state;
}

/** A conversation not open on this page changed: keep its row in the history list current. */
function touchHistory(state: State, taskId: string, change: Partial<Pick<TaskSummary, 'status' | 'awaiting_input'>>): State {
  if (!state.history.some((h) => h.task_id === taskId)) return state;
  return { ...state, history: state.history.map((h) => (h.task_id === taskId ? { ...h, ...change } : h)) };
}

export function reduce(state: State, action: Action): State {
  switch (action.type) {
    case 'init':
      return { ...state, info: action.info };
    case 'attach':
      // The same file or lines twice is once.
      return state.attachments.some((a) => sameContext(a, action.item)) ? state : { ...state, attachments: [...state.attachments, action.item] };
    case 'outgoing':
      return { ...state, outgoing: action.files };
    case 'detach':
      return { ...state, attachments: state.attachments.filter((_, i) => i !== action.index) };
    case 'connection':
      return { ...state, connection: action.status, connectionMessage: action.message };
    case 'devicesLoaded':
      return merge(state, devices.loadDevices(state, action.devices, action.cloud));
    case 'deviceStatus':
      return merge(state, devices.applyDeviceStatus(state, action.event));
    case 'defaultChanged':
      return merge(state, devices.setDefault(state, action.device_id));
    case 'deviceDeleted':
      return merge(state, devices.removeDevice(state, action.device_id));
    case 'pickDevice':
      return { ...state, pickedDeviceId: action.device_id };
    case 'newConversation':
      // A new conversation starts on the default device again (S13).
      return {
        ...state, ...conversation.emptyConversation, pickedDeviceId: null, view: 'chat', composerMode: DEFAULT_CHAT_PERMISSION_MODE, composerModel: null,
        composerKey: state.composerKey + 1,
      };
    case 'sendStarted':
      // The conversation keeps the device its message went to: a later change of the default or of
      // the pool never moves it elsewhere unasked.
      return { ...merge(state, conversation.sendStarted(state, action.key, action.prompt, action.device_id, action.permission_mode, action.at, action.model, action.files)), pickedDeviceId: action.device_id };
    case 'sendAcked':
      return merge(state, conversation.sendAcked(state, action.key, action.ack));
    case 'sendFailed': {
      let next = merge(state, conversation.sendFailed(state, action.key, action.error));
      next = { ...next, unsent: unsent.remember(next.unsent, conversation.turnByKey(next, action.key)) };
      return action.error.code === 'CLOUD_UNAVAILABLE' ? merge(next, devices.cloudUnavailable(next)) : next;
    }
    case 'chatStart': {
      const { conversation: next, matched } = conversation.applyStart(state, action.event, action.at);
      return matched ? merge(state, next) : touchHistory(state, action.event.task_id, { status: action.event.status ?? 'pending' });
    }
    case 'chatStatus': {
      const next = merge(state, conversation.chatStatus(state, action.event, action.at));
      const { awaiting_input } = action.event;
      if (awaiting_input === undefined) return next;
      return touchHistory(markAwaiting(next, action.event.subtask_id, action.event.task_id, awaiting_input), action.event.task_id, { awaiting_input });
    }
    case 'permissionDecided':
      return merge(state, conversation.permissionDecided(state, action.event));
    case 'changesDecided':
      return merge(state, conversation.changesDecided(state, action.event));
    case 'setComposerMode':
      return { ...state, composerMode: action.mode };
    case 'setComposerModel':
      return { ...state, composerModel: action.model };
    case 'chunk':
      return merge(state, conversation.chunk(state, action.event, action.at));
    case 'done':
      return touchHistory(
        markAwaiting(merge(state, conversation.done(state, action.event, action.at)), action.event.subtask_id, action.event.task_id, false),
        action.event.task_id, { status: action.event.status, awaiting_input: false },
      );
    case 'stopping':
      return merge(state, conversation.stopping(state, action.subtask_id, action.on));
    case 'restoreUnsent':
      return { ...state, unsent: action.unsent };
    case 'dropTurn': {
      const turn = conversation.turnByKey(state, action.key);
      if (!turn || turn.subtask_id !== null) return state;
      return { ...state, turns: state.turns.filter((t) => t !== turn), unsent: unsent.forget(state.unsent, turn.task_id, turn.key) };
    }
    case 'conversationLoaded': {
      const loaded = conversation.loadConversation(action.task);
      const last = action.task.subtasks[action.task.subtasks.length - 1];
      const lastMode = last?.permission_mode;
      const turns = unsent.interleave(loaded.conversation.turns, state.unsent[action.task.task_id]);
      return { ...state, ...loaded.conversation, turns, pickedDeviceId: loaded.lastDeviceId, view: 'chat', composerMode: lastMode ?? DEFAULT_CHAT_PERMISSION_MODE, composerModel: last?.model ?? null };
    }
    case 'historyLoaded':
      return { ...state, history: action.tasks, historyLoaded: true };
    case 'conversationDeleted':
      return { ...state, history: state.history.filter((h) => h.task_id !== action.task_id) };
    case 'setView':
      return { ...state, view: action.view };
    case 'notice':
      return { ...state, notice: action.notice };
    case 'reset':
      return { ...initialState, info: state.info, connection: state.connection, connectionMessage: state.connectionMessage, composerKey: state.composerKey + 1 };
  }
}
