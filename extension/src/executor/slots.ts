// The device's slots (S8): at most `max` tasks run at once. A repeated `task:execute` for a subtask
// that is running, or ran recently, is the same task (the backend resends until it gets an ack), so it
// is acknowledged again and never started twice.
import type { RunningTaskInfo } from './api';

export type AcquireResult = 'acquired' | 'full' | 'duplicate';

/** How many finished subtask ids are remembered to recognise a late resend. */
const RECENT_LIMIT = 1000;

export class SlotTable {
  private readonly running = new Map<string, RunningTaskInfo>();
  private readonly recent = new Set<string>();

  constructor(readonly max: number) {}

  get used(): number {
    return this.running.size;
  }

  get full(): boolean {
    return this.running.size >= this.max;
  }

  has(subtaskId: string): boolean {
    return this.running.has(subtaskId);
  }

  tryAcquire(info: RunningTaskInfo): AcquireResult {
    if (this.running.has(info.subtaskId) || this.recent.has(info.subtaskId)) return 'duplicate';
    if (this.full) return 'full';
    this.running.set(info.subtaskId, info);
    return 'acquired';
  }

  release(subtaskId: string): void {
    if (!this.running.delete(subtaskId)) return;
    this.recent.add(subtaskId);
    if (this.recent.size > RECENT_LIMIT) this.recent.delete(this.recent.values().next().value!);
  }

  list(): RunningTaskInfo[] {
    return [...this.running.values()];
  }

  ids(): string[] {
    return [...this.running.keys()];
  }
}
