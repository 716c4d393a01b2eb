// What the status bar says for each executor state: pure, so every state is unit-tested without a
// window. Slot usage ("2/5") is the number a user glances at (S8).
import type { ExecutorSnapshot } from '../executor/api';

export interface StatusView {
  text: string;
  tooltip: string;
  /** A theme color id for the background, for states that need attention. */
  background?: 'statusBarItem.warningBackground' | 'statusBarItem.errorBackground';
  command: 'wegent.connectDevice' | 'wegent.showStatusMenu' | 'wegent.showApprovals';
}

export function statusView(snapshot: ExecutorSnapshot | undefined): StatusView {
  if (!snapshot || snapshot.state === 'disconnected') {
    return {
      text: '$(debug-disconnect) Wegent',
      tooltip: 'Wegent: this machine is not connected as a device. Click to connect.',
      command: 'wegent.connectDevice',
    };
  }
  const slots = `${snapshot.slotsUsed}/${snapshot.maxSlots}`;
  const name = snapshot.deviceName || snapshot.deviceId;
  const waiting = snapshot.waitingApprovals?.length ?? 0;
  // A task waiting for someone outranks every other running state: it is what the user must act on.
  if (waiting > 0 && (snapshot.state === 'online' || snapshot.state === 'busy')) {
    const tools = [...new Set(snapshot.waitingApprovals.map((w) => w.toolName))].join(', ');
    return {
      text: `$(bell-dot) Wegent ${slots} · needs input`,
      tooltip: `Wegent: ${waiting === 1 ? 'a task waits' : `${waiting} tasks wait`} for your answer (${tools}). Click to answer here, or answer in any Wegent chat.${details(snapshot)}`,
      background: 'statusBarItem.warningBackground',
      command: 'wegent.showApprovals',
    };
  }
  switch (snapshot.state) {
    case 'connecting':
      return { text: '$(sync~spin) Wegent', tooltip: `Wegent: connecting "${name}" to ${snapshot.backendUrl}…`, command: 'wegent.showStatusMenu' };
    case 'online':
      return { text: `$(vm-active) Wegent ${slots}`, tooltip: `Wegent: "${name}" is online — ${slots} slots in use.${details(snapshot)}`, command: 'wegent.showStatusMenu' };
    case 'busy':
      return {
        text: `$(vm-running) Wegent ${slots}`,
        tooltip: `Wegent: "${name}" is busy — all ${snapshot.maxSlots} slots in use; new tasks wait in the queue.${details(snapshot)}`,
        background: 'statusBarItem.warningBackground',
        command: 'wegent.showStatusMenu',
      };
    case 'offline':
      return {
        text: '$(vm-outline) Wegent offline',
        tooltip: `Wegent: lost the connection to ${snapshot.backendUrl}; reconnecting…${snapshot.error ? ` (${snapshot.error.message})` : ''}`,
        background: 'statusBarItem.warningBackground',
        command: 'wegent.showStatusMenu',
      };
    case 'error':
      return {
        text: '$(error) Wegent',
        tooltip: `Wegent: ${snapshot.error?.message ?? 'the device stopped with an error.'} Click for options.`,
        background: 'statusBarItem.errorBackground',
        command: 'wegent.showStatusMenu',
      };
  }
}

const TOOLTIP_TASKS = 5;

/** The backend and the running tasks (a short prompt preview each), for the online/busy tooltip. */
function details(snapshot: ExecutorSnapshot): string {
  const tasks = snapshot.running.slice(0, TOOLTIP_TASKS).map((t) => {
    const flat = t.prompt.replace(/\s+/g, ' ').trim();
    return `\n• ${flat.length > 60 ? `${flat.slice(0, 59)}…` : flat}`;
  });
  const more = snapshot.running.length > TOOLTIP_TASKS ? `\n• … and ${snapshot.running.length - TOOLTIP_TASKS} more` : '';
  return `\nBackend: ${snapshot.backendUrl}${tasks.length ? `\nRunning:${tasks.join('')}${more}` : ''}`;
}
