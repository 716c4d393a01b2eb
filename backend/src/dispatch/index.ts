// Dispatch: slots, per-device FIFO queues and execute-until-acked. Every state change that could
// race (two sends for the last slot, a completion pulling the next queued subtask, a seq applied
// twice) is one Lua script (store/scripts/); the parts here sequence them and tell the owners:
//   sends.ts      chat:send, chat:cancel                 stream.ts    task:progress, task:complete
//   execute.ts    task:execute until acked               reconcile.ts register/heartbeat reports, lost devices
//   finish.ts     a final status once; refill the slot   announce.ts  chat:status / device:status pushes
// Dispatcher wires them and is the one face the realtime and HTTP layers and the monitor use.
import type { Approvals } from '../approvals';
import { Announcer } from './announce';
import type { DispatchDeps } from './deps';
import { Executions } from './execute';
import { Finisher } from './finish';
import { Reconciler } from './reconcile';
import { Routes } from './routes';
import { Sends } from './sends';
import { Streams } from './stream';

export type { DispatchDeps, DispatchOptions } from './deps';

export class Dispatcher {
  private readonly announce: Announcer;
  private readonly sends: Sends;
  private readonly streams: Streams;
  private readonly reconciler: Reconciler;

  constructor(deps: DispatchDeps, approvals: Approvals) {
    const routes = new Routes(deps.tasks);
    this.announce = new Announcer(deps.devices, deps.tasks, deps.notify, deps.log);
    // A refused task:execute fails the subtask through the finisher, which starts what it promotes.
    const executions: Executions = new Executions(deps, this.announce, (s, error) => finisher.finish(s, 'failed', { error, pump: true }));
    const finisher = new Finisher(deps, routes, this.announce, executions);
    this.sends = new Sends(deps, routes, executions, finisher);
    this.streams = new Streams(deps, routes, this.announce, finisher, approvals);
    this.reconciler = new Reconciler(deps, this.announce, executions, finisher, approvals);
  }

  // chat side
  send(...a: Parameters<Sends['send']>) { return this.sends.send(...a); }
  cancel(...a: Parameters<Sends['cancel']>) { return this.sends.cancel(...a); }
  // device side
  progress(...a: Parameters<Streams['progress']>) { return this.streams.progress(...a); }
  complete(...a: Parameters<Streams['complete']>) { return this.streams.complete(...a); }
  reconcile(...a: Parameters<Reconciler['reconcile']>) { return this.reconciler.reconcile(...a); }
  // presence (monitor, deletion, role changes)
  failDevice(...a: Parameters<Reconciler['failDevice']>) { return this.reconciler.failDevice(...a); }
  emitDeviceStatus(...a: Parameters<Announcer['deviceStatus']>) { return this.announce.deviceStatus(...a); }
  emitDeviceView(...a: Parameters<Announcer['viewed']>) { return this.announce.viewed(...a); }
}
