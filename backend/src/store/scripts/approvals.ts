// The pending set of permission requests beside a subtask's stream: what task:progress records of
// the request and decision events it carries (approvalOps, applied by lua/progress-7.lua), a chat's
// answer recorded once (lua/permissionReply-3.lua), its delivery to the device (permissionDelivered-1),
// and reading both hashes back.
import type { PendingRequest, PermissionRecord, TaskEvent } from '@wegent/shared';
import { keys } from '../keys';
import { defineScript, type RedisClient } from '../script';

/** A request as recorded when its event was applied. */
export interface RequestEntry {
  request_id: string;
  tool_name: string;
  requested_at: string;
}

/** The record list progress-7.lua applies: `request`/`decision`, request id, record JSON. */
export function approvalOps(events: readonly TaskEvent[], nowIso: string): string[] {
  const ops: string[] = [];
  for (const e of events) {
    if (e.type === 'permission_request') {
      const entry: RequestEntry = { request_id: e.request_id, tool_name: e.tool_name, requested_at: nowIso };
      ops.push('request', e.request_id, JSON.stringify(entry));
    } else if (e.type === 'permission_decision') {
      const record: PermissionRecord = {
        request_id: e.request_id, decision: e.decision, by: e.by, decided_at: e.decided_at ?? nowIso, delivered: true,
        ...(e.scope ? { scope: e.scope } : {}), ...(e.client ? { client: e.client } : {}), ...(e.message ? { message: e.message } : {}),
        ...(e.answers && Object.keys(e.answers).length ? { answers: e.answers } : {}),
      };
      ops.push('decision', e.request_id, JSON.stringify(record));
    }
  }
  return ops;
}

export type ReplyOutcome =
  | { outcome: 'notfound' | 'final' | 'norequest' }
  | { outcome: 'decided'; record: PermissionRecord }
  | { outcome: 'ok'; deviceId: string };

export const permissionReply = defineScript(
  'permissionReply-3',
  (i: { subtaskId: string; userId: string; record: PermissionRecord }) => ({
    keys: [keys.subtask(i.subtaskId), keys.subtaskRequests(i.subtaskId), keys.subtaskDecisions(i.subtaskId)],
    args: [i.userId, i.record.request_id, JSON.stringify(i.record)],
  }),
  (reply): ReplyOutcome => {
    const r = reply as [string, string?];
    if (r[0] === 'decided') return { outcome: 'decided', record: JSON.parse(String(r[1])) as PermissionRecord };
    if (r[0] === 'ok') return { outcome: 'ok', deviceId: String(r[1]) };
    return { outcome: r[0] as 'notfound' | 'final' | 'norequest' };
  },
);

export const permissionDelivered = defineScript(
  'permissionDelivered-1',
  (i: { subtaskId: string; requestId: string }) => ({ keys: [keys.subtaskDecisions(i.subtaskId)], args: [i.requestId] }),
  (reply) => Number(reply) === 1,
);

function parsed<T>(values: Record<string, string>): T[] {
  const out: T[] = [];
  for (const raw of Object.values(values)) {
    try {
      out.push(JSON.parse(raw) as T);
    } catch {
      // a record that is not JSON was not written by this backend: leave it out
    }
  }
  return out;
}

export interface SubtaskApprovals {
  requests: RequestEntry[];
  decisions: PermissionRecord[];
}

/** Both hashes of several subtasks in one round trip (pipelined), by subtask id. */
export async function readApprovals(redis: RedisClient, subtaskIds: string[]): Promise<Map<string, SubtaskApprovals>> {
  const all = await Promise.all(subtaskIds.map((id) => Promise.all([redis.hgetall(keys.subtaskRequests(id)), redis.hgetall(keys.subtaskDecisions(id))])));
  return new Map(subtaskIds.map((id, i) => [id, {
    requests: parsed<RequestEntry>(all[i][0]).sort((a, b) => a.requested_at.localeCompare(b.requested_at)),
    decisions: parsed<PermissionRecord>(all[i][1]),
  }]));
}

/** Requests nobody answered yet; a final subtask has none (its device is gone or answered). */
export function pendingOf(a: SubtaskApprovals | undefined, final: boolean): PendingRequest[] {
  if (!a || final) return [];
  const decided = new Set(a.decisions.map((d) => d.request_id));
  return a.requests.filter((r) => !decided.has(r.request_id));
}
