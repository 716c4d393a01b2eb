// What the chats hear when a subtask's place changes: it runs, the queue behind it moved, the
// device's load changed. Announcements follow a state change that is already stored; they read
// what they need in as few round trips as the reads allow and never change state themselves.
import type { DeviceStatusEvent, DeviceView } from '@wegent/shared';
import { heldStatusEvent, statusEventOf, type DeviceRecord, type Devices } from '../devices';
import type { Logger } from '../log';
import type { Notifier } from '../notifier';
import { idHome } from '../store/keys';
import type { DeviceLoad } from '../store/scripts/send';
import type { SubtaskRecord, Tasks } from '../tasks';

/** What the change itself already read: the promoted subtasks' records and the device's new status. */
export interface KnownChange {
  promoted: SubtaskRecord[];
  device: { userId: string; status: DeviceStatusEvent };
}

/** The known change of a step that read the device's load (send-10, finish-6): owner `userId`'s device. */
export function loadChange(userId: string, deviceId: string, load: DeviceLoad, promoted: SubtaskRecord[]): KnownChange {
  const status = heldStatusEvent({ device_id: deviceId, name: load.name, max_slots: load.maxSlots }, load.slotsUsed, load.defaultDeviceId);
  return { promoted, device: { userId, status } };
}

export class Announcer {
  constructor(
    private readonly devices: Devices,
    private readonly tasks: Tasks,
    private readonly notify: Notifier,
    private readonly log: Logger,
  ) {}

  /** The device acked it (or streamed its first chunk): its chat shows it running, the conversation list too. */
  running(s: SubtaskRecord): void {
    this.notify.toUser(s.user_id, 'chat:status', { task_id: s.task_id, subtask_id: s.subtask_id, device_id: s.requested_device, status: 'running' });
    void this.tasks.touchTask({ ...s, status: 'running' }).catch((err) => this.log.warn({ err, subtaskId: s.subtask_id }, 'conversation status not updated'));
  }

  /** The device refused it with SLOTS_FULL: it waits at the head of the queue again. */
  async requeued(s: SubtaskRecord): Promise<void> {
    this.notify.toUser(s.user_id, 'chat:status', { task_id: s.task_id, subtask_id: s.subtask_id, device_id: s.requested_device, status: 'queued', queue_position: 1 });
    await this.deviceStatus(idHome(s.subtask_id), s.device_id);
  }

  /**
   * Slots or the queue changed: the promoted hear their new status, every queued owner its new
   * position (`queue`: the queue as it now stands, null when it did not move), then the device's
   * load. In the background: a failure is logged, the state it reports is already stored.
   * `known`: what the change read itself, when nothing else moved (a send into a free slot):
   * nothing is read back, and it is told after what the caller says in this tick (chat:send's
   * chat:start and ack), as a read would have made it.
   */
  slotsChanged(home: string, deviceId: string, promoted: string[], queue: string[] | null, known?: KnownChange): void {
    if (known && !queue?.length) {
      setImmediate(() => {
        this.tellMoved(known.promoted, [], null);
        this.notify.toUser(known.device.userId, 'device:status', known.device.status);
      });
      return;
    }
    void this.queueMoved(home, deviceId, promoted, queue).catch((err) => this.log.error({ err, deviceId }, 'queue announcement failed'));
  }

  /**
   * device:status to the owner's chats; returns the view it was built from (register answers with
   * it). `home`: where the device lives (store/keys.ts); `known`: its record when the caller has it.
   */
  async deviceStatus(home: string, deviceId: string, known?: DeviceRecord | null): Promise<DeviceView | null> {
    const d = known !== undefined ? known : await this.devices.get(home, deviceId);
    if (!d) return null;
    const view = await this.devices.view(d);
    this.viewed(d.user_id, view);
    return view;
  }

  /** device:status of a view the caller has just read. */
  viewed(userId: string, view: DeviceView): void {
    this.notify.toUser(userId, 'device:status', statusEventOf(view));
  }

  /** Two round trips (the records with the device's, then its view) however long the queue. */
  private async queueMoved(home: string, deviceId: string, promoted: string[], queue: string[] | null): Promise<void> {
    const [moved, waiting, device] = await Promise.all([this.tasks.getSubtasks(promoted), this.tasks.getSubtasks(queue ?? []), this.devices.get(home, deviceId)]);
    this.tellMoved(moved, waiting, queue);
    await this.deviceStatus(home, deviceId, device);
  }

  /** chat:status to the owners of the promoted (their status) and of the waiting (their place in `queue`). */
  private tellMoved(moved: SubtaskRecord[], waiting: SubtaskRecord[], queue: string[] | null): void {
    for (const s of moved) {
      this.notify.toUser(s.user_id, 'chat:status', { task_id: s.task_id, subtask_id: s.subtask_id, device_id: s.requested_device, status: s.status });
    }
    const position = new Map((queue ?? []).map((id, i) => [id, i + 1]));
    for (const s of waiting) {
      this.notify.toUser(s.user_id, 'chat:status', { task_id: s.task_id, subtask_id: s.subtask_id, device_id: s.requested_device, status: 'queued', queue_position: position.get(s.subtask_id)! });
    }
  }
}
