// Before a window connects a folder it asks the backend whether that folder's device is online
// already: then another window (or a wegent-executor) on the same folder serves it, the only true
// duplicate (identity.ts), and connecting would silently take it over. Free of `vscode`.
import type { DeviceView } from '@wegent/shared';

/** The device with this id if it is online or busy right now; undefined when offline, unknown or unanswerable. */
export async function onlineTwin(backendUrl: string, token: string, deviceId: string, timeoutMs = 10_000): Promise<DeviceView | undefined> {
  try {
    const res = await fetch(`${backendUrl}/api/devices`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return undefined; // the connect that follows reports what is wrong
    const body = (await res.json()) as { devices?: DeviceView[] };
    return body.devices?.find((d) => d.device_id === deviceId && d.status !== 'offline');
  } catch {
    return undefined;
  }
}
