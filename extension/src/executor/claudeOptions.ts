// The SDK options a Claude Code process is started with and keeps for its whole life — the same for
// a cold query(), a resumed one and a prewarmed spare, so a warm process is the process a cold start
// would have made. Per-turn choices (cwd, mode, model, resume) are not here: the caller adds them.
import type { Options, SpawnedProcess } from '@anthropic-ai/claude-agent-sdk';
import { agentEnvironment } from './agentEnv';
import { spawnGuarded } from './agentGuard';
import { confinedOptions } from './confinement';
import type { TurnBinding } from './claudeSession';

/** What every process of one executor shares; a spare started with other settings is not used. */
export interface HostSettings {
  /** The whole environment (agentEnv.ts): never the executor's own. */
  env: Record<string, string>;
  claudeCodePath?: string;
  /** Only a device whose ceiling is Full access lets its processes switch into bypassPermissions. */
  allowBypass: boolean;
  /** Cloud pool: tools stay in the turn's folder, no shell tools (confinement.ts). */
  confined?: boolean;
}

export interface HostSettingsInput {
  env?: Record<string, string>;
  passEnv?: readonly string[];
  secrets?: readonly string[];
  claudeCodePath?: string;
  allowBypass: boolean;
  confined?: boolean;
}

export function hostSettings(o: HostSettingsInput): HostSettings {
  return {
    env: agentEnvironment({ base: process.env, extra: o.env, passEnv: o.passEnv, secrets: o.secrets }),
    claudeCodePath: o.claudeCodePath,
    allowBypass: o.allowBypass,
    confined: Boolean(o.confined),
  };
}

export function sameHost(a: HostSettings, b: HostSettings): boolean {
  return a.claudeCodePath === b.claudeCodePath && a.allowBypass === b.allowBypass && Boolean(a.confined) === Boolean(b.confined) && JSON.stringify(a.env) === JSON.stringify(b.env);
}

/** The callbacks a process is started with, routed to the turn it runs now. */
export interface ProcessHandle {
  binding: TurnBinding;
  abortController: AbortController;
}

export function newHandle(): ProcessHandle {
  return { binding: {}, abortController: new AbortController() };
}

export function hostOptions(host: HostSettings, handle: ProcessHandle): Options {
  return {
    env: { ...host.env }, // a copy: the SDK adds its own variables to the object it is given
    includePartialMessages: true,
    abortController: handle.abortController,
    allowDangerouslySkipPermissions: host.allowBypass,
    pathToClaudeCodeExecutable: host.claudeCodePath,
    canUseTool: (toolName, input, o) => {
      const ask = handle.binding.canUseTool;
      if (!ask) return Promise.resolve({ behavior: 'deny', message: 'This tool is not allowed by the permission mode, and nobody can be asked.' });
      return ask(toolName, input, { signal: o.signal, toolUseID: o.toolUseID, title: o.title });
    },
    // Cloud pool: the folder comes with each turn (a spare serves any task); no folder, no tool.
    ...(host.confined ? confinedOptions(() => handle.binding.confineTo) : {}),
    // Under a guard that ends Claude Code and its tools when this process dies (agentGuard.ts).
    spawnClaudeCodeProcess: (o) => spawnGuarded(o, (data) => handle.binding.stderr?.(data)) as unknown as SpawnedProcess,
  };
}
