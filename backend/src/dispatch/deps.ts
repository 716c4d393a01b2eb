// What every part of dispatch works with: the store's domain modules, the way out to the sockets,
// metrics, the log and the limits. Passed as one object; each part names its own collaborators.
import type { RedisClient } from '../store/redis';
import type { Limits } from '../config';
import type { Attachments } from '../attachments';
import type { Devices } from '../devices';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import type { Notifier } from '../notifier';
import type { Tasks } from '../tasks';
import type { UsageLedger } from '../usage';

export interface DispatchOptions {
  executeAckTimeoutMs: number;
  maxQueuePerDevice: number;
  limits: Pick<Limits, 'subtaskEventBytes' | 'subtaskEvents' | 'tasksPerUser' | 'progressPointsPerSecond'>;
}

export interface DispatchDeps {
  /** For the slot scripts (store/scripts/); plain reads go through devices and tasks. */
  redis: RedisClient;
  devices: Devices;
  tasks: Tasks;
  attachments: Attachments;
  usage: UsageLedger;
  notify: Notifier;
  metrics: Metrics;
  log: Logger;
  opts: DispatchOptions;
  /** This node in the nodes registry (realtime/peers.ts). */
  peers: NodeView;
}

/**
 * `nodeId`: '' when no registry is kept (a chunk with no other node to reach stays here); `alone`:
 * no other node was registered a moment ago (a first task:execute skips the adapter).
 */
export interface NodeView {
  readonly nodeId: string;
  alone(): boolean;
}

/** No registry (tests that build services without Socket.IO): never alone, chunks through the adapter. */
export const NO_NODE_VIEW: NodeView = { nodeId: '', alone: () => false };
