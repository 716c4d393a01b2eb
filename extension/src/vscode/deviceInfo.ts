// "Wegent: Show Device Info": what this window's device is, in lines a user can read or paste into a
// support question — name, id, backend, state, slots, the folder tasks run in, the running tasks.
// Pure (no `vscode`), so the wording is unit-tested; commands.ts shows it.
import type { ExecutorSnapshot } from '../executor/api';

export interface DeviceInfoInput {
  snapshot: ExecutorSnapshot | undefined;
  /** The backend URL from the settings (used when no device runs). */
  backendUrl: string;
  /** The folder tasks run in, when connected. */
  workspace?: string;
}

/** A one-line summary for the notification, and the full lines for the output channel. */
export function deviceInfo({ snapshot, backendUrl, workspace }: DeviceInfoInput): { summary: string; lines: string[] } {
  if (!snapshot || snapshot.state === 'disconnected') {
    return {
      summary: `Wegent: this machine is not connected as a device (backend ${backendUrl}).`,
      lines: ['Device: not connected', `Backend: ${backendUrl}`, 'Run "Wegent: Connect Device" to register this workspace.'],
    };
  }
  const name = snapshot.deviceName || snapshot.deviceId;
  const slots = `${snapshot.slotsUsed}/${snapshot.maxSlots}`;
  const lines = [
    `Device: ${name}`,
    `Device id: ${snapshot.deviceId}`,
    `Backend: ${snapshot.backendUrl}`,
    `State: ${snapshot.state}${snapshot.error ? ` (${snapshot.error.code}: ${snapshot.error.message})` : ''}`,
    `Slots in use: ${slots}`,
    ...(workspace ? [`Tasks run in: ${workspace}`] : []),
    ...(snapshot.running.length
      ? ['Running tasks:', ...snapshot.running.map((t) => `  ${t.subtaskId} since ${t.startedAt}: ${oneLine(t.prompt)}`)]
      : ['Running tasks: none']),
  ];
  return { summary: `Wegent: "${name}" is ${snapshot.state}, ${slots} slots in use, on ${snapshot.backendUrl}.`, lines };
}

function oneLine(prompt: string): string {
  const flat = prompt.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 79)}…` : flat;
}
