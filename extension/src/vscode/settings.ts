// Typed access to the `wegent.*` settings and the API token in SecretStorage. The token lives only in
// SecretStorage (the OS keychain on desktop): never in settings, never in logs, never in the webview.
import * as vscode from 'vscode';
import { DEFAULT_APPROVAL_TIMEOUT_MS, DEFAULT_DEVICE_PERMISSION_MODE, DEFAULT_KEEP_ALIVE_MS, DEFAULT_SLOTS, Isolation, MAX_SLOTS, PermissionMode } from '@wegent/shared';
import { DEFAULT_ISOLATION } from '../executor/worktree/manager';

export const TOKEN_SECRET_KEY = 'wegent.apiToken';
/**
 * Earlier versions' globalState flag (one device per machine): the device was connected when the
 * window last closed. Now read once, by the first window after the upgrade (see connectHere()).
 */
export const WAS_CONNECTED_KEY = 'wegent.wasConnected';
/** workspaceState: true = connect this folder when the window opens, false = the user disconnected it here. */
export const CONNECT_HERE_KEY = 'wegent.connectHere';

/**
 * Auto-connect is remembered per workspace: each window is a device of its own. Undefined means the
 * user never decided here. The machine-wide flag of earlier versions goes to the first window that
 * opens after the upgrade (the one that also keeps the old device id, identity.ts).
 */
export function connectHere(workspaceState: vscode.Memento, globalState: vscode.Memento): boolean | undefined {
  const here = workspaceState.get<boolean>(CONNECT_HERE_KEY);
  if (here !== undefined) return here;
  if (globalState.get<boolean>(WAS_CONNECTED_KEY) === undefined) return undefined;
  const legacy = globalState.get<boolean>(WAS_CONNECTED_KEY);
  void globalState.update(WAS_CONNECTED_KEY, undefined);
  void workspaceState.update(CONNECT_HERE_KEY, legacy);
  return legacy;
}

export interface WegentSettings {
  backendUrl: string;
  autoConnect: boolean;
  maxSlots: number;
  deviceName?: string;
  permissionMode: PermissionMode;
  approvalTimeoutMs: number;
  keepAliveMs: number;
  spareProcess: boolean;
  claudeCodePath?: string;
  /** worktree: each conversation in its own git worktree (in a git repository); none: in the folder itself. */
  isolation: Isolation;
  /** Run in every new worktree (e.g. "npm ci"); per workspace folder. */
  setupCommand?: string;
}

export const DEFAULT_BACKEND_URL = 'http://127.0.0.1:8080';

/** Trims a trailing slash so `${url}/api/me` and `${url}/chat` are always well formed. */
export function normalizeBackendUrl(raw: string | undefined): string {
  const url = (raw ?? '').trim() || DEFAULT_BACKEND_URL;
  return url.replace(/\/+$/, '');
}

export function readSettings(): WegentSettings {
  const c = vscode.workspace.getConfiguration('wegent');
  const slots = Math.trunc(c.get<number>('maxSlots', DEFAULT_SLOTS));
  const minutes = Number(c.get<number>('approvalTimeoutMinutes', DEFAULT_APPROVAL_TIMEOUT_MS / 60_000));
  const keepAlive = Number(c.get<number>('keepAliveMinutes', DEFAULT_KEEP_ALIVE_MS / 60_000));
  const mode = PermissionMode.safeParse(c.get<string>('permissionMode', DEFAULT_DEVICE_PERMISSION_MODE));
  return {
    backendUrl: normalizeBackendUrl(c.get<string>('backendUrl')),
    autoConnect: c.get<boolean>('autoConnect', true),
    maxSlots: Math.min(MAX_SLOTS, Math.max(1, Number.isFinite(slots) ? slots : DEFAULT_SLOTS)),
    deviceName: c.get<string>('deviceName', '').trim() || undefined,
    permissionMode: mode.success ? mode.data : DEFAULT_DEVICE_PERMISSION_MODE,
    approvalTimeoutMs: minutes > 0 ? Math.round(minutes * 60_000) : DEFAULT_APPROVAL_TIMEOUT_MS,
    keepAliveMs: keepAlive >= 0 ? Math.round(keepAlive * 60_000) : DEFAULT_KEEP_ALIVE_MS,
    spareProcess: c.get<boolean>('spareProcess', true),
    claudeCodePath: c.get<string>('claudeCodePath', '').trim() || undefined,
    isolation: Isolation.safeParse(c.get<string>('isolation', DEFAULT_ISOLATION)).data ?? DEFAULT_ISOLATION,
    setupCommand: c.get<string>('setupCommand', '').trim() || undefined,
  };
}

/** The API token, kept in SecretStorage; `onDidChange` fires when it is set or cleared anywhere. */
export class TokenStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly secrets: vscode.SecretStorage) {
    this.subscription = secrets.onDidChange((e) => {
      if (e.key === TOKEN_SECRET_KEY) this.changed.fire();
    });
  }

  async get(): Promise<string | undefined> {
    return (await this.secrets.get(TOKEN_SECRET_KEY)) || undefined;
  }

  async set(token: string): Promise<void> {
    await this.secrets.store(TOKEN_SECRET_KEY, token.trim());
  }

  async clear(): Promise<void> {
    await this.secrets.delete(TOKEN_SECRET_KEY);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
