// Device identity (S15, issue 15): every executor on a machine is a device of its own, one per folder
// it serves, so several VS Code windows and a headless wegent-executor never take each other's place.
// The id of a folder is cached in <dataDir>/devices/<folder key> (the key is a hash of the folder's
// path: the path itself is never sent nor used as a file name). Without a cache it is derived again:
// a hash of the hardware id (node-machine-id: macOS IOPlatformUUID, Linux /etc/machine-id, Windows
// MachineGuid) and the folder's path, salted so neither raw value leaves the machine; else of the first
// real MAC address and the path; else a random UUID. Whatever is chosen is cached owner-only.
// Upgrade: the single machine-wide id of earlier versions (<dataDir>/device_id) goes to the first folder
// that starts after the upgrade (claimed atomically in <dataDir>/devices/legacy-owner), so the user's
// default device and its history stay with the folder they used; every other folder gets a new id.
import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DeviceId } from '@wegent/shared';

/** Where the id came from; 'legacy': the machine-wide id of an earlier version; 'option': the shell passed one. */
export type IdentitySource = 'cache' | 'legacy' | 'hardware' | 'mac' | 'random' | 'option';

export interface DeviceIdentity {
  deviceId: string;
  deviceName: string;
  source: IdentitySource;
}

export interface IdentityOptions {
  /** Default ~/.wegent-executor. */
  dataDir?: string;
  /** The folder this executor serves: each folder is a device of its own. Without one: one id per machine. */
  workspace?: string;
  /** Cloud executors serve per-task folders under `workspace`: their name carries no folder. */
  mode?: 'local' | 'cloud';
  /** Overrides the default name (defaultDeviceName). */
  deviceName?: string;
  /** Injected for tests; default reads the hardware id through node-machine-id. */
  hardwareId?: () => Promise<string | undefined>;
}

export const defaultDataDir = (): string => path.join(os.homedir(), '.wegent-executor');

/**
 * "<OS type> - <hostname> · <folder>", e.g. "Darwin - MacBook-Pro.local · api" — several executors on
 * one machine are told apart by the folder they serve. Without a folder: "<OS type> - <hostname>".
 */
export function defaultDeviceName(workspace?: string): string {
  const machine = `${os.type()} - ${os.hostname()}`;
  const folder = workspace ? path.basename(path.resolve(workspace)) : '';
  return folder ? `${machine} · ${folder}` : machine;
}

/** The name a device registers with: the user's choice, else the default for its folder and mode. */
export function deviceNameFor(options: Pick<IdentityOptions, 'deviceName' | 'workspace' | 'mode'>): string {
  return options.deviceName?.trim() || defaultDeviceName(options.mode === 'cloud' ? undefined : options.workspace);
}

type MachineIdFn = (original?: boolean) => Promise<string>;

const hashId = (kind: string, raw: string): string => createHash('sha256').update(`wegent-device:${kind}:${raw}`).digest('hex').slice(0, 32);

/** The folder as one string per folder: absolute, symlinks resolved, case folded where the file system does. */
async function canonicalFolder(workspace: string): Promise<string> {
  const resolved = path.resolve(workspace);
  const real = await fs.realpath(resolved).catch(() => resolved);
  return process.platform === 'win32' || process.platform === 'darwin' ? real.toLowerCase() : real;
}

/** The cache file name of a folder: a hash, so the path is not readable from the file names. */
const folderKey = (canonical: string): string => hashId('folder', canonical).slice(0, 24);

/** The key that names this folder's device on this machine (the same for every executor on it). */
export const folderKeyOf = async (workspace: string): Promise<string> => folderKey(await canonicalFolder(workspace));

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

/**
 * True when this folder owns the pre-upgrade machine-wide id: it claimed it now (an exclusive create,
 * so of two windows starting at once exactly one wins) or claimed it before.
 */
async function claimLegacy(devicesDir: string, key: string): Promise<boolean> {
  const owner = path.join(devicesDir, 'legacy-owner');
  try {
    await fs.mkdir(devicesDir, { recursive: true, mode: 0o700 });
    await fs.writeFile(owner, `${key}\n`, { mode: 0o600, flag: 'wx' });
    return true;
  } catch {
    return (await fs.readFile(owner, 'utf8').catch(() => '')).trim() === key;
  }
}

export async function loadDeviceIdentity(options: IdentityOptions = {}): Promise<DeviceIdentity> {
  const dir = options.dataDir ?? defaultDataDir();
  const legacyFile = path.join(dir, 'device_id');
  const deviceName = deviceNameFor(options);
  const folder = options.workspace ? await canonicalFolder(options.workspace) : undefined;
  const devicesDir = path.join(dir, 'devices');
  const key = folder ? folderKey(folder) : undefined;
  const file = key ? path.join(devicesDir, key) : legacyFile;

  const cached = await readCached(file);
  if (cached) return { deviceId: cached, deviceName, source: 'cache' };

  let source: IdentitySource = 'random';
  let deviceId: string = randomUUID();
  const legacy = key ? await readCached(legacyFile) : undefined;
  if (legacy && key && (await claimLegacy(devicesDir, key))) {
    [source, deviceId] = ['legacy', legacy];
  } else {
    const hardware = await (options.hardwareId ?? readHardwareId)();
    const mac = hardware ? undefined : firstMac();
    // "\0" cannot occur in a path: the two parts never run into each other.
    const salt = folder ? `\0${folder}` : '';
    if (hardware) [source, deviceId] = ['hardware', hashId(folder ? 'hw-folder' : 'hw', hardware + salt)];
    else if (mac) [source, deviceId] = ['mac', hashId(folder ? 'mac-folder' : 'mac', mac + salt)];
  }

  try {
    await writeCached(key ? devicesDir : dir, file, deviceId);
  } catch {
    // A read-only home still gets a working (hardware-derived, hence stable) id; only the cache is lost.
  }
  return { deviceId, deviceName, source };
}
