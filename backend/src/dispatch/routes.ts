// The immutable routing facts (task, owner, device) of subtasks being streamed on this node, so the
// hot progress path costs one Lua call instead of a read plus the call. Bounded; a miss reads the
// record, and the progress script re-checks the device either way.
import type { SubtaskRecord, Tasks } from '../tasks';

export type Route = Pick<SubtaskRecord, 'subtask_id' | 'task_id' | 'user_id' | 'device_id' | 'requested_device'>;

const MAX_ROUTES = 10_000;

export class Routes {
  private readonly known = new Map<string, Route>();

  constructor(private readonly tasks: Tasks) {}

  async get(subtaskId: string): Promise<Route | null> {
    const cached = this.known.get(subtaskId);
    if (cached) return cached;
    const s = await this.tasks.getSubtask(subtaskId);
    return s ? this.remember(s) : null;
  }

  remember(s: SubtaskRecord): Route {
    const r: Route = { subtask_id: s.subtask_id, task_id: s.task_id, user_id: s.user_id, device_id: s.device_id, requested_device: s.requested_device };
    if (this.known.size >= MAX_ROUTES) this.known.delete(this.known.keys().next().value!);
    this.known.set(s.subtask_id, r);
    return r;
  }

  forget(subtaskId: string): void {
    this.known.delete(subtaskId);
  }
}
