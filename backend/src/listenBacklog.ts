// The listen backlog asked for (config.listenBacklog) is silently cut to net.core.somaxconn by
// Linux. Say so once at start-up, so an operator expecting a reconnect storm knows what to raise.
import { readFileSync } from 'node:fs';

/** The kernel's cap when it is below `backlog` (Linux only; elsewhere nothing is known). */
export function backlogCap(backlog: number, path = '/proc/sys/net/core/somaxconn'): number | undefined {
  try {
    const cap = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(cap) && cap > 0 && cap < backlog ? cap : undefined;
  } catch {
    return undefined;
  }
}
