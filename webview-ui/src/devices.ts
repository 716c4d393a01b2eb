// The device half of the chat store: the user's devices as the picker shows them, live
// `device:status` updates, deletions, and which device the next message goes to. Pure functions
// over the slice of State they own; state.ts composes them.
import type { CloudPool, DeviceStatusEvent, DeviceView } from '@wegent/shared';
import { CLOUD_DEVICE_ID } from './protocol';

export interface DeviceSlice {
  devices: DeviceView[];
  devicesLoaded: boolean;
  /** Devices deleted from this page: a late "offline" push must not bring them back. */
  deletedDeviceIds: string[];
  /** The device the user chose in the picker; null means "pre-select" (see effectiveDeviceId). */
  pickedDeviceId: string | null;
  /** The shared pool as of the last device list; null until the backend said. */
  cloud: CloudPool | null;
}

export const initialDevices: DeviceSlice = { devices: [], devicesLoaded: false, deletedDeviceIds: [], pickedDeviceId: null, cloud: null };

/** Deleted ids remembered, so the list of them cannot grow without bound. */
const REMEMBERED_DELETIONS = 100;

const STATUS_ORDER: Record<DeviceView['status'], number> = { online: 0, busy: 1, offline: 2 };

/** Default first, then reachable before offline, then by name: the order the picker shows. */
export function sortDevices(devices: DeviceView[]): DeviceView[] {
  return [...devices].sort(
    (a, b) =>
      Number(b.is_default) - Number(a.is_default) ||
      STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
      a.name.localeCompare(b.name) ||
      a.device_id.localeCompare(b.device_id),
  );
}

export function loadDevices(s: DeviceSlice, devices: DeviceView[], cloud?: CloudPool): DeviceSlice {
  return { ...s, devices: sortDevices(devices), devicesLoaded: true, cloud: cloud ?? s.cloud };
}

/** A send to Cloud was refused because the pool is empty: the picker says so from now on. */
export function cloudUnavailable(s: DeviceSlice): DeviceSlice {
  return s.cloud && !s.cloud.available ? s : { ...s, cloud: { available: false, executors: 0 } };
}

export function setDefault(s: DeviceSlice, deviceId: string | null): DeviceSlice {
  return { ...s, devices: s.devices.map((d) => ({ ...d, is_default: d.device_id === deviceId })) };
}

export function applyDeviceStatus(s: DeviceSlice, e: DeviceStatusEvent): DeviceSlice {
  if (e.deleted) return removeDevice(s, e.device_id);
  const known = s.devices.find((d) => d.device_id === e.device_id);
  if (!known && s.deletedDeviceIds.includes(e.device_id)) {
    // The executor going away after its deletion is old news; one that comes back online has
    // re-registered (S14) and is listed again.
    if (e.status === 'offline') return s;
    s = { ...s, deletedDeviceIds: s.deletedDeviceIds.filter((id) => id !== e.device_id) };
  }
  // Connection state is what this event says: absent fields mean connected (or offline) now.
  const { disconnected_at: _lostAt, offline_at: _offlineAt, ...base } = known ?? { is_default: false, last_seen_at: null, executor_version: null, mode: 'local' as const };
  const updated: DeviceView = {
    ...base,
    device_id: e.device_id,
    name: e.name,
    status: e.status,
    slots_used: e.slots_used,
    max_slots: e.max_slots,
    ...(e.is_default !== undefined ? { is_default: e.is_default } : {}),
    ...(e.disconnected_at ? { disconnected_at: e.disconnected_at, offline_at: e.offline_at } : {}),
  };
  let devices = known ? s.devices.map((d) => (d.device_id === e.device_id ? updated : d)) : [...s.devices, updated];
  if (updated.is_default) devices = devices.map((d) => (d.device_id === e.device_id ? d : { ...d, is_default: false }));
  return { ...s, devices: sortDevices(devices) };
}

/**
 * What the picker shows: "lost" while the device still counts as online (its tasks stay reclaimable)
 * but its executor has no connection — crashed, killed, or cut off. It is never shown as online then.
 */
export type DeviceDisplayStatus = DeviceView['status'] | 'lost' | 'unknown';

/**
 * `live`: this page hears the backend now. Without it every status is the last one heard, maybe long
 * stale: shown as "unknown", never as a green "online" (and no slot counts).
 */
export function displayStatus(d: Pick<DeviceView, 'status' | 'disconnected_at'>, live = true): DeviceDisplayStatus {
  if (!live) return 'unknown';
  return d.status !== 'offline' && d.disconnected_at ? 'lost' : d.status;
}

export function removeDevice(s: DeviceSlice, deviceId: string): DeviceSlice {
  return {
    ...s,
    devices: s.devices.filter((d) => d.device_id !== deviceId),
    deletedDeviceIds: s.deletedDeviceIds.includes(deviceId)
      ? s.deletedDeviceIds
      : [...s.deletedDeviceIds.slice(-(REMEMBERED_DELETIONS - 1)), deviceId],
    pickedDeviceId: s.pickedDeviceId === deviceId ? null : s.pickedDeviceId,
  };
}

export function defaultDevice(s: Pick<DeviceSlice, 'devices'>): DeviceView | undefined {
  return s.devices.find((d) => d.is_default);
}

/** What effectiveDeviceId reads: the device slice, and which device this VS Code window runs. */
export type PickInput = Pick<DeviceSlice, 'devices' | 'pickedDeviceId' | 'cloud'> & { info?: { local_device_id?: string } | null };

const reachable = (d: DeviceView) => d.status !== 'offline';

/**
 * Where the next message goes — what the user means, and never a silent switch:
 * the device picked (in the picker, or by the conversation's last message) while it exists, even
 * offline (the composer says so); else the default device (S13), even offline; else Cloud when
 * its pool has executors (S12); else, in VS Code, this window's device; else the only online
 * device; else Cloud (shown unavailable).
 */
export function effectiveDeviceId(s: PickInput): string {
  const picked = s.pickedDeviceId;
  if (picked === CLOUD_DEVICE_ID) return picked;
  if (picked && s.devices.some((d) => d.device_id === picked)) return picked;
  const def = defaultDevice(s);
  if (def) return def.device_id;
  if (s.cloud?.available) return CLOUD_DEVICE_ID;
  const local = s.info?.local_device_id;
  if (local && s.devices.some((d) => d.device_id === local)) return local;
  const online = s.devices.filter(reachable);
  return online.length === 1 ? online[0].device_id : CLOUD_DEVICE_ID;
}

/** os.type() words the default device name starts with ("Linux - host · folder", extension identity.ts). */
const OS_PREFIX = /^((?:Linux|Darwin|Windows_NT|FreeBSD|OpenBSD|SunOS|AIX) - )(.+)$/;

/** A default name's OS part and the rest (host · folder): a narrow picker shows only the rest. */
export function splitDeviceName(name: string): { os: string; rest: string } {
  const m = OS_PREFIX.exec(name);
  return m ? { os: m[1], rest: m[2] } : { os: '', rest: name };
}

export function deviceName(s: Pick<DeviceSlice, 'devices'>, deviceId: string): string | undefined {
  return s.devices.find((d) => d.device_id === deviceId)?.name;
}
