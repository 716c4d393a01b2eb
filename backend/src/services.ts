// Builds the domain services once per app over one Redis connection; the HTTP and realtime layers
// receive this bag instead of constructing anything themselves.
import type { RedisClient } from './store/redis';
import { Accounts } from './accounts';
import { Attachments } from './attachments';
import type { Config } from './config';
import { Devices } from './devices';
import { InFlight } from './inflight';
import { Approvals } from './approvals';
import { ChangeReview } from './changes';
import { Conversations } from './conversations';
import { Dispatcher } from './dispatch';
import type { Logger } from './log';
import { createMetrics, type Metrics } from './metrics';
import { Monitor } from './monitor';
import type { Notifier } from './notifier';
import { Tasks } from './tasks';
import { NO_NODE_VIEW, type NodeView } from './dispatch/deps';
import { UsageLedger } from './usage';

export interface Services {
  config: Config;
  redis: RedisClient;
  log: Logger;
  metrics: Metrics;
  accounts: Accounts;
  attachments: Attachments;
  devices: Devices;
  tasks: Tasks;
  conversations: Conversations;
  usage: UsageLedger;
  dispatcher: Dispatcher;
  approvals: Approvals;
  changes: ChangeReview;
  monitor: Monitor;
  inflight: InFlight;
}

/**
 * `notify` is filled in by app.ts once Socket.IO exists (it needs the namespaces); `peers` is this
 * node in the nodes registry (realtime/peers.ts), none when it keeps no registry.
 */
export function createServices(config: Config, redis: RedisClient, log: Logger, notify: Notifier, peers: NodeView = NO_NODE_VIEW): Services {
  const metrics = createMetrics(redis);
  const accounts = new Accounts(redis, config.jwtSecret);
  const devices = new Devices(redis, config.timing.onlineTtlMs, config.limits.devicesPerUser);
  const tasks = new Tasks(redis, config.limits.historyBytes);
  const attachments = new Attachments(redis, config.jwtSecret, config.attachmentTtl, tasks, devices);
  const approvals = new Approvals(redis, tasks, devices, notify, { ackTimeoutMs: config.executeAckTimeoutMs }, log);
  const usage = new UsageLedger(redis, metrics);
  const dispatcher = new Dispatcher({ redis, devices, tasks, attachments, usage, notify, metrics, log, opts: config, peers }, approvals);
  const monitor = new Monitor(redis, dispatcher, config.timing.monitorIntervalMs, metrics, log, config.timing.onlineTtlMs);
  const changes = new ChangeReview(redis, tasks, devices, notify, log);
  return { config, redis, log, metrics, accounts, attachments, devices, tasks, conversations: new Conversations(redis, tasks), usage, dispatcher, approvals, changes, monitor, inflight: new InFlight() };
}
