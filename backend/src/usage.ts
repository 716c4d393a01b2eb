// What replies cost, added up per user, UTC day and device (GET /api/usage), and the operators'
// counters. A day is one hash at the user's home — `<device_id>|<field>` → sum — written once per
// finished reply that reported usage (the finish script moves a subtask to its final status once, so
// nothing is counted twice) and kept USAGE_LIMITS.keptDays. Only reported fields are added: a device
// whose executor reports no cost has no cost field, and shows none.
import {
  USAGE_FIELDS, USAGE_LIMITS, USAGE_TOKEN_FIELDS, addUsage as sum, CLOUD_DEVICE_ID, totalTokens,
  type UsageCounts, type UsageSummary, type UsageTokenField, type UsageTotals,
} from '@wegent/shared';
import type { Metrics } from './metrics';
import { keys, userHome } from './store/keys';
import { addUsage } from './store/scripts/usage';
import type { RedisClient } from './store/redis';
import type { SubtaskRecord } from './store/records';

const DAY_MS = 86_400_000;
/** The `kind` label of wegent_tokens_total. */
const TOKEN_KIND: Record<UsageTokenField, string> = { input_tokens: 'input', output_tokens: 'output', cache_creation_input_tokens: 'cache_write', cache_read_input_tokens: 'cache_read' };
const REPLIES = 'replies';
/** Device ids never hold "|" (DeviceId), so the first one splits a field into device and name. */
const SEP = '|';

export const dayOf = (iso: string): string => iso.slice(0, 10);
const addDays = (day: string, n: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
export const daysBetween = (from: string, to: string): number => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;

type Totals = { usage?: UsageCounts; replies: number };

function withReplies(t: Totals): UsageTotals {
  return { ...t.usage, replies: t.replies };
}

export class UsageLedger {
  constructor(
    private readonly redis: RedisClient,
    private readonly metrics: Metrics,
  ) {}

  /** Counts a finished reply's usage (none reported: nothing counted). One round trip. */
  async record(s: SubtaskRecord): Promise<void> {
    const u = s.usage;
    if (!u) return;
    const pool = s.requested_device === CLOUD_DEVICE_ID ? 'cloud' : 'local';
    this.metrics.usageReplies.inc({ pool });
    for (const f of USAGE_TOKEN_FIELDS) if (u[f]) this.metrics.tokens.inc({ kind: TOKEN_KIND[f], pool }, u[f]);
    if (u.total_cost_usd) this.metrics.costUsd.inc({ pool }, u.total_cost_usd);

    const field = (name: string) => `${s.requested_device}${SEP}${name}`;
    const increments: [string, number][] = [[field(REPLIES), 1]];
    for (const f of USAGE_FIELDS) if (u[f] !== undefined) increments.push([field(f), u[f]!]);
    const day = dayOf(s.completed_at ?? new Date().toISOString());
    await addUsage(this.redis, { userId: s.user_id, day, ttlS: (USAGE_LIMITS.keptDays * DAY_MS) / 1000, increments });
  }

  /** The user's usage from `from` to `to` (UTC days, both included): two round trips (the days, then the devices' names) however many. */
  async summary(userId: string, from: string, to: string): Promise<UsageSummary> {
    const days = Array.from({ length: daysBetween(from, to) }, (_, i) => addDays(from, i));
    const hashes = await Promise.all(days.map((d) => this.redis.hgetall(keys.userUsage(userId, d))));
    const total: Totals = { replies: 0 };
    const byDevice = new Map<string, Totals>();
    const perDay: UsageSummary['days'] = [];
    days.forEach((date, i) => {
      const day: Totals = { replies: 0 };
      for (const [deviceId, t] of parseDay(hashes[i])) {
        const d = byDevice.get(deviceId) ?? { replies: 0 };
        for (const into of [d, day, total]) {
          into.replies += t.replies;
          into.usage = sum(into.usage, t.usage);
        }
        byDevice.set(deviceId, d);
      }
      if (day.replies) perDay.push({ date, ...withReplies(day) });
    });
    const names = await this.namesOf(userId, [...byDevice.keys()]);
    const tokens = (t: Totals) => totalTokens(t.usage) ?? 0;
    const devices = [...byDevice]
      .sort(([a, x], [b, y]) => tokens(y) - tokens(x) || a.localeCompare(b))
      .map(([device_id, t]) => ({ device_id, ...(names.has(device_id) ? { name: names.get(device_id)! } : {}), ...withReplies(t) }));
    return { from, to, total: withReplies(total), days: perDay, devices };
  }

  /** The names of those of the user's devices that are still registered to them: one round trip. */
  private async namesOf(userId: string, ids: string[]): Promise<Map<string, string>> {
    const own = ids.filter((id) => id !== CLOUD_DEVICE_ID);
    const found = await Promise.all(own.map((id) => this.redis.hmget(keys.device(userHome(userId), id), 'user_id', 'name')));
    return new Map(own.flatMap((id, i) => (found[i][0] === userId && found[i][1] ? [[id, found[i][1]!] as [string, string]] : [])));
  }
}

/** One day's hash as totals by device; fields it does not know (a later version's) are skipped. */
function parseDay(h: Record<string, string>): Map<string, Totals> {
  const out = new Map<string, Totals>();
  for (const [field, raw] of Object.entries(h)) {
    const cut = field.indexOf(SEP);
    const deviceId = field.slice(0, cut);
    const name = field.slice(cut + 1);
    const value = Number(raw);
    if (cut <= 0 || !Number.isFinite(value)) continue;
    const t = out.get(deviceId) ?? { replies: 0 };
    if (name === REPLIES) t.replies = value;
    else if ((USAGE_FIELDS as readonly string[]).includes(name)) t.usage = sum(t.usage, { [name]: value });
    else continue;
    out.set(deviceId, t);
  }
  return out;
}
