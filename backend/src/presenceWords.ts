// One wording for one situation: a device whose executor went away (crashed, was killed, lost its
// network) is "connection lost" wherever the user meets it — a refused send, a failed task, and the
// picker (webview "picker.lost") — with the time it happened.
const clock = (iso: string) => `${iso.slice(11, 19)} UTC`;

/** chat:send to a device that lost its connection and has not come back (DEVICE_OFFLINE). */
export function lostSendRefusal(name: string, disconnectedAt: string): string {
  return `The device "${name}" lost its connection at ${clock(disconnectedAt)} (its executor stopped or its network dropped) and has not come back. Start its executor again or pick another device.`;
}

/** A task failed at the TTL lapse: `disconnectedAt` when the device had lost its connection, else null. */
export function offlineFailure(disconnectedAt: string | null, running: boolean): string {
  const what = disconnectedAt
    ? `The device lost its connection at ${clock(disconnectedAt)} and did not come back within its online TTL`
    : 'The device went offline (no heartbeat within its online TTL)';
  return running ? `${what} while running this task. Send it again when the device is back.` : `${what} before this task could start. Pick another device and send it again.`;
}

/** A follow-up waited behind the conversation's previous turn, and its device was gone when its turn came. */
export function heldFailure(device: { disconnected_at?: string | null } | null): string {
  const what = !device ? 'The device was deleted' : device.disconnected_at ? `The device lost its connection at ${clock(device.disconnected_at)}` : 'The device went offline';
  return `${what} before this message's turn came (it waited for the reply before it). Send it again when the device is back, or pick another device.`;
}
