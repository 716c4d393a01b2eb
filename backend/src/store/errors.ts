// Recognises "Redis is unreachable" failures so the edges answer UNAVAILABLE (retry later) instead
// of INTERNAL (a bug): the backend rides out a Redis restart, and clients should too. On a Redis
// Cluster the same goes for a shard failing over: its slots answer CLUSTERDOWN / TRYAGAIN, or the
// client cannot reach the slot's node, until a replica is promoted.
export function isStoreUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'MaxRetriesPerRequestError') return true;
  const code = (err as { code?: string }).code;
  if (code && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'NR_CLOSED'].includes(code)) return true;
  if (err.name === 'ClusterAllFailedError') return true;
  // A slot moved under a command (a failover, mostly inside an auto-pipeline): retried, it lands.
  if (/^(MOVED|ASK) \d+ /.test(err.message)) return true;
  return /Connection is closed|Stream isn't writeable|enableOfflineQueue|LOADING|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|Too many Cluster redirections|Failed to refresh slots cache|None of startup nodes is available|Cluster isn't ready/.test(err.message);
}

export const STORE_UNAVAILABLE_MESSAGE = 'The backend cannot reach its database right now; try again in a few seconds.';
