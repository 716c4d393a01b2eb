// Device identity (S15): a stable id that survives restarts and a human name. Priority: the id cached
// in <dataDir>/device_id; else a hash of the hardware id (node-machine-id: macOS IOPlatformUUID, Linux
// /etc/machine-id, Windows MachineGuid), salted so the raw hardware id never leaves the machine and is
// not the same value other apps derive; else a hash of the first real MAC address; else a random UUID.
// Whatever is chosen is cached owner-only, so the id never changes once made.
import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DeviceId } from '@wegent/shared';

/** Where the id came from; 'option' means the shell passed one (ExecutorOptions.deviceId). */
export type IdentitySource = 'cache' | 'hardware' | 'mac' | 'random' | 'option';

export interface DeviceIdentity {
  deviceId: string;
  deviceName: string;
  source: IdentitySource;
}

export interface IdentityOptions {
  /** Default ~/.wegent-executor. */
  dataDir?: string;
  /** Overrides "<OS type> - <hostname>". */
  deviceName?: string;
  /** Injected for tests; default reads the hardware id through node-machine-id. */
  hardwareId?: () => Promise<string | undefined>;
}

export const defaultDataDir = (): string => path.join(os.homedir(), '.wegent-executor');

/** "<OS type> - <hostname>", e.g. "Darwin - MacBook-Pro.local" or "Linux - build-01". */
export function defaultDeviceName(): string {
  return `${os.type()} - ${os.hostname()}`;
}

type MachineIdFn = (original?: boolean) => Promise<string>;

const hashId = (kind: string, raw: string): string => createHash('sha256').update(`wegent-device:${kind}:${raw}`).digest('hex').slice(0, 32);

async function readHardwareId(): Promise<string | undefined> {
  try {
    // A CommonJS module: its functions sit on the namespace or on `default` depending on the loader.
    const mod: { machineId?: MachineIdFn; default?: { machineId?: MachineIdFn } } = await import('node-machine-id');
    const machineId = mod.machineId ?? mod.default?.machineId;
    const id = machineId ? await machineId(true) : undefined;
    return id && id.trim() ? id.trim() : undefined;
  } catch {
    return undefined;
  }
}

function firstMac(): string | undefined {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const nic of list ?? []) {
      if (!nic.internal && nic.mac && nic.mac !== '00:00:00:00:00:00') return nic.mac;
    }
  }
  return undefined;
}

async function readCached(file: string): Promise<string | undefined> {
  try {
    const value = (await fs.readFile(file, 'utf8')).trim();
    return DeviceId.safeParse(value).success ? value : undefined;
  } catch {
    return undefined;
  }
}

async function writeCached(dir: string, file: string, id: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.writeFile(file, `${id}\n`, { mode: 0o600 });
  await fs.chmod(file, 0o600); // writeFile keeps an existing file's mode
}

export async function loadDeviceIdentity(options: IdentityOptions = {}): Promise<DeviceIdentity> {
  const dir = options.dataDir ?? defaultDataDir();
  const file = path.join(dir, 'device_id');
  const deviceName = options.deviceName?.trim() || defaultDeviceName();

  const cached = await readCached(file);
  if (cached) return { deviceId: cached, deviceName, source: 'cache' };

  let source: IdentitySource = 'random';
  let deviceId: string = randomUUID();
  const hardware = await (options.hardwareId ?? readHardwareId)();
  const mac = hardware ? undefined : firstMac();
  if (hardware) [source, deviceId] = ['hardware', hashId('hw', hardware)];
  else if (mac) [source, deviceId] = ['mac', hashId('mac', mac)];

  try {
    await writeCached(dir, file, deviceId);
  } catch {
    // A read-only home still gets a working (hardware-derived, hence stable) id; only the cache is lost.
  }
  return { deviceId, deviceName, source };
}
