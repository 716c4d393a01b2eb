// Typed access to the `wegent.*` settings and the API token in SecretStorage. The token lives only in
// SecretStorage (the OS keychain on desktop): never in settings, never in logs, never in the webview.
import * as vscode from 'vscode';
import { Isolation, PermissionMode } from '@wegent/shared';
import { resolveOptions, type ResolvedOptions } from '../executor/options';

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

/**
 * The `wegent.*` settings. The executor's share (`executor`) is resolved by the core's resolveOptions
 * (executor/options.ts), the one place that holds every default and clamp for both shells; a setting
 * that is out of range or of the wrong type falls back to that default there.
 */
export interface WegentSettings {
  backendUrl: string;
  autoConnect: boolean;
  executor: Omit<ResolvedOptions, 'token' | 'workspace'>;
}

const number = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const minutes = (v: unknown): number | undefined => (number(v) === undefined ? undefined : Math.round(number(v)! * 60_000));

export function readSettings(): WegentSettings {
  const c = vscode.workspace.getConfiguration('wegent');
  // token and workspace are the shell's to add; the rest is resolved here so commands hand it on as is.
  const { token: _t, workspace: _w, ...executor } = resolveOptions({
    backendUrl: c.get<string>('backendUrl') ?? '',
    token: '',
    workspace: '',
    mode: 'local',
    shell: 'vscode',
    maxSlots: number(c.get('maxSlots')),
    deviceName: c.get<string>('deviceName'),
    permissionMode: PermissionMode.safeParse(c.get('permissionMode')).data,
    approvalTimeoutMs: minutes(c.get('approvalTimeoutMinutes')),
    keepAliveMs: minutes(c.get('keepAliveMinutes')),
    spareProcess: c.get<boolean>('spareProcess'),
    claudeCodePath: c.get<string>('claudeCodePath'),
    isolation: Isolation.safeParse(c.get('isolation')).data,
    setupCommand: c.get<string>('setupCommand'),
  });
  return { backendUrl: executor.backendUrl, autoConnect: c.get<boolean>('autoConnect', true), executor };
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
