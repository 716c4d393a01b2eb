// GET /api/usage: what the caller's replies cost, by UTC day and by device (docs/protocol.md
// "HTTP API"). Only the caller's own: the ledger is read at their id, whoever else exists.
import { Router } from '@koa/router';
import { ErrorCode, USAGE_LIMITS, UsageQuery, WegentError, describeIssue } from '@wegent/shared';
import type { Services } from '../services';
import { daysBetween, dayOf } from '../usage';
import { principal, requireAuth, type AppState } from './context';

const invalid = (message: string) => new WegentError(ErrorCode.INVALID_PAYLOAD, message, 400);

/** The range asked for, or the last USAGE_LIMITS.defaultDays days ending today (UTC). */
export function usageRange(query: Record<string, unknown>, today = dayOf(new Date().toISOString())): { from: string; to: string } {
  const parsed = UsageQuery.safeParse(query);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue.code === 'unrecognized_keys') throw invalid(`Unknown query parameter "${issue.keys[0]}": GET /api/usage takes from and to (YYYY-MM-DD, UTC).`);
    throw invalid(`${describeIssue(issue).replace('Invalid field', 'Invalid query parameter')}.`);
  }
  const to = parsed.data.to ?? today;
  const from = parsed.data.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - (USAGE_LIMITS.defaultDays - 1) * 86_400_000).toISOString().slice(0, 10);
  if (from > to) throw invalid(`"from" (${from}) is after "to" (${to}).`);
  const span = daysBetween(from, to);
  if (span > USAGE_LIMITS.maxDays) throw invalid(`The range from ${from} to ${to} is ${span} days; ask for at most ${USAGE_LIMITS.maxDays} at a time.`);
  return { from, to };
}

export function usageRoutes(svc: Services): Router<AppState> {
  const router = new Router<AppState>();
  router.use('/api/usage', requireAuth(svc));
  router.get('/api/usage', async (ctx) => {
    const { from, to } = usageRange(ctx.query);
    ctx.body = await svc.usage.summary(principal(ctx).user.id, from, to);
  });
  return router;
}
