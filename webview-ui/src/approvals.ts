// Permission requests as the chat shows them: each request of a turn with how it ended — the
// device's own `permission_decision` in the stream (final), else the backend's record of a chat's
// answer still on its way (`chat:permission_decided`, `permission_decisions`), else still open.
// Pure, so what a card says is unit-tested alone.
import type {
  ChatPermissionDecided, DecidedBy, PendingRequest, PermissionDecisionEvent, PermissionRecord, PermissionRequestEvent, TaskEvent,
} from '@wegent/shared';
import { isFinalStatus } from './protocol';
import type { Turn } from './turns';

/** How a request ended, from the stream or from the backend's record. */
export interface Decided {
  decision: 'allow' | 'deny';
  scope?: 'once' | 'task';
  by: DecidedBy;
  client?: 'browser' | 'vscode';
  decided_at?: string;
  message?: string;
  answers?: Record<string, string>;
  /** False while a chat's answer is still on its way to the device. */
  confirmed: boolean;
}

export type ApprovalState = 'open' | 'decided' | 'ended';

export interface Approval {
  request: PermissionRequestEvent;
  state: ApprovalState;
  decided?: Decided;
}

/** Backend records by request id, as a turn keeps them. */
export type DecisionRecords = Record<string, PermissionRecord>;

function fromStream(d: PermissionDecisionEvent): Decided {
  const { type: _t, request_id: _r, ...rest } = d;
  return { ...rest, confirmed: true };
}

function fromRecord(r: PermissionRecord): Decided {
  const { request_id: _r, delivered, ...rest } = r;
  return { ...rest, confirmed: delivered };
}

/** Every request of a turn, in stream order, with its state. */
export function approvalsOf(events: readonly TaskEvent[], records: DecisionRecords | undefined, turnFinal: boolean): Approval[] {
  const decisions = new Map<string, PermissionDecisionEvent>();
  for (const e of events) if (e.type === 'permission_decision' && !decisions.has(e.request_id)) decisions.set(e.request_id, e);
  const out: Approval[] = [];
  const seen = new Set<string>();
  for (const e of events) {
    if (e.type !== 'permission_request' || seen.has(e.request_id)) continue;
    seen.add(e.request_id);
    const streamed = decisions.get(e.request_id);
    const record = records?.[e.request_id];
    const decided = streamed ? fromStream(streamed) : record ? fromRecord(record) : undefined;
    out.push({ request: e, state: decided ? 'decided' : turnFinal ? 'ended' : 'open', decided });
  }
  return out;
}

/** Requests of a turn nobody has answered yet. */
export function openApprovals(turn: Turn): Approval[] {
  return approvalsOf(turn.events, turn.decisions, isFinalStatus(turn.status)).filter((a) => a.state === 'open');
}

/** A turn with a chat's answer recorded by the backend (pushed, or read with the conversation). */
export function withDecision(turn: Turn, d: PermissionRecord | ChatPermissionDecided): Turn {
  const { task_id: _t, subtask_id: _s, ...record } = d as ChatPermissionDecided;
  const known = turn.decisions?.[record.request_id];
  if (known && known.delivered && !record.delivered) return turn; // never step back
  return { ...turn, decisions: { ...turn.decisions, [record.request_id]: record } };
}

/** Records of a stored subtask by request id. */
export function recordsOf(list: PermissionRecord[] | undefined): DecisionRecords | undefined {
  if (!list?.length) return undefined;
  return Object.fromEntries(list.map((r) => [r.request_id, r]));
}

/** For the history list: true when a stored subtask still has requests open. */
export const hasPending = (pending: PendingRequest[] | undefined): boolean => !!pending?.length;

/** Time of a decision as a person reads it: "14:02" today, with the date on other days. */
export function shortTime(iso: string | undefined, locale: string, now = new Date()): string {
  if (!iso) return '';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  const sameDay = at.toDateString() === now.toDateString();
  return sameDay
    ? at.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' })
    : at.toLocaleString(locale, { dateStyle: 'short', timeStyle: 'short' });
}

/** The message key and values for how a request ended ("Allowed by you in the browser, 14:02"). */
export function decisionWords(d: Decided, opts: { question: boolean; deviceName: string; locale: string }): { key: string; vars: Record<string, string> } {
  const time = shortTime(d.decided_at, opts.locale);
  if (d.by === 'timeout') return { key: 'approval.timeout', vars: { time } };
  if (d.by === 'device') {
    const key = opts.question && d.decision === 'allow' ? 'approval.answeredDevice' : d.decision === 'allow' ? 'approval.allowedDevice' : 'approval.deniedDevice';
    return { key, vars: { name: opts.deviceName, time } };
  }
  const where = d.client ?? 'chat';
  const key = opts.question
    ? d.decision === 'allow' ? 'approval.answeredBy' : 'approval.skippedBy'
    : d.decision === 'deny' ? 'approval.deniedBy' : d.scope === 'task' ? 'approval.allowedTaskBy' : 'approval.allowedBy';
  return { key, vars: { where, time } };
}

/** AskUserQuestion's answer for one question: chosen labels comma-separated, or the free text. */
export function answerOf(chosen: readonly string[], other: string): string {
  const own = other.trim();
  return [...chosen, ...(own ? [own] : [])].join(', ');
}
