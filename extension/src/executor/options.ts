// The executor's options, resolved once for both shells: the headless CLI (cliArgs.ts, which refuses a
// bad flag as a usage error first) and VS Code (vscode/settings.ts, whose settings fall back to their
// default), and the core itself (Executor calls this, so a direct caller gets the same defaults).
// Every default and every clamp of an executor option is here, once; the values are the shared
// protocol's (shared/src/timing.ts, constants.ts). Free of `vscode`.
import { DEFAULT_APPROVAL_TIMEOUT_MS, DEFAULT_DEVICE_PERMISSION_MODE, DEFAULT_KEEP_ALIVE_MS, DEFAULT_SLOTS, ExecutorMode, Isolation, MAX_SLOTS, PermissionMode } from '@wegent/shared';
import type { ExecutorOptions } from './api';
import type { Shell } from './shellWords';
import { DEFAULT_ISOLATION } from './worktree/manager';

/** Where a device connects when neither --backend-url / WEGENT_BACKEND_URL nor `wegent.backendUrl` says. */
export const DEFAULT_BACKEND_URL = 'http://127.0.0.1:8080';

/** How long a draining stop lets running tasks finish before cancelling them (StopOptions.graceMs, --grace). */
export const DEFAULT_GRACE_MS = 30_000;

/** ExecutorOptions with every default applied: what the Executor runs with. */
export type ResolvedOptions = ExecutorOptions & {
  mode: ExecutorMode;
  maxSlots: number;
  permissionMode: PermissionMode;
  approvalTimeoutMs: number;
  keepAliveMs: number;
  spareProcess: boolean;
  isolation: Isolation;
  shell: Shell;
};

/** Trims spaces and trailing slashes (so `${url}/api/me` is well formed); empty or unset is the default. */
export function normalizeBackendUrl(raw: string | undefined): string {
  return ((raw ?? '').trim() || DEFAULT_BACKEND_URL).replace(/\/+$/, '');
}

/** A whole number of slots from 1 to MAX_SLOTS; not a number: the default. */
export function clampSlots(raw: number | undefined): number {
  const n = Math.trunc(Number(raw ?? DEFAULT_SLOTS));
  return Number.isFinite(n) ? Math.min(MAX_SLOTS, Math.max(1, n)) : DEFAULT_SLOTS;
}

const text = (s: string | undefined) => s?.trim() || undefined;
const atLeast = (n: number | undefined, min: number, fallback: number, exclusive = false) =>
  typeof n === 'number' && Number.isFinite(n) && (exclusive ? n > min : n >= min) ? Math.round(n) : fallback;

/** Applies every default; idempotent, so a shell may resolve first (to log or show) and the Executor again. */
export function resolveOptions(o: ExecutorOptions): ResolvedOptions {
  return {
    ...o,
    backendUrl: normalizeBackendUrl(o.backendUrl),
    mode: ExecutorMode.safeParse(o.mode).data ?? 'local',
    maxSlots: clampSlots(o.maxSlots),
    deviceName: text(o.deviceName),
    permissionMode: PermissionMode.safeParse(o.permissionMode).data ?? DEFAULT_DEVICE_PERMISSION_MODE,
    // 0 would deny every request at once: not a timeout anyone means.
    approvalTimeoutMs: atLeast(o.approvalTimeoutMs, 0, DEFAULT_APPROVAL_TIMEOUT_MS, true),
    keepAliveMs: atLeast(o.keepAliveMs, 0, DEFAULT_KEEP_ALIVE_MS),
    spareProcess: o.spareProcess !== false,
    claudeCodePath: text(o.claudeCodePath),
    isolation: Isolation.safeParse(o.isolation).data ?? DEFAULT_ISOLATION,
    setupCommand: text(o.setupCommand),
    shell: o.shell ?? 'cli',
  };
}
