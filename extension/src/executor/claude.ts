// Runs one task turn with the real Claude Agent SDK (`query()`), in the task's workspace, streaming
// its events, and resolves with the outcome; it never throws. The SDK (ESM, ~MBs, plus a native
// binary) is loaded lazily on the first task so starting the executor stays fast.
import type { PermissionMode, ProtocolError, TaskEvent } from '@wegent/shared';
import type { Logger } from './api';
import { agentEnvironment } from './agentEnv';
import { spawnGuarded } from './agentGuard';
import { ClaudeEventMapper, type SdkMessageLike } from './claudeEvents';
import { binaryMissing, classifyClaudeError, sdkMissing } from './claudeErrors';
import type { ToolAsk, ToolPermission } from './approvals';

type Sdk = typeof import('@anthropic-ai/claude-agent-sdk');
type SpawnedProcess = import('@anthropic-ai/claude-agent-sdk').SpawnedProcess;

/** Asked before a tool runs when the permission mode wants approval (approvals.ts); absent: such tools are denied. */
export type CanUseTool = (toolName: string, input: Record<string, unknown>, ask: ToolAsk) => Promise<ToolPermission>;

export interface ClaudeRunRequest {
  subtaskId: string;
  prompt: string;
  cwd: string;
  permissionMode: PermissionMode;
  /** Continue this Claude session (a follow-up message of the same task). */
  resume?: string;
  model?: string;
  /** Set over the allow-listed environment (agentEnv.ts). */
  env?: Record<string, string>;
  /** More variable names the user lets through (--pass-env). */
  passEnv?: readonly string[];
  /** Values that must never reach Claude Code or its tools (the Wegent token). */
  secrets?: readonly string[];
  claudeCodePath?: string;
  signal: AbortSignal;
  onEvent: (event: TaskEvent) => void;
  canUseTool?: CanUseTool;
  logger: Logger;
}

export interface ClaudeRunResult {
  status: 'completed' | 'failed' | 'cancelled';
  result?: string;
  error?: ProtocolError;
  sessionId?: string;
  usage?: Record<string, unknown>;
}

let sdkPromise: Promise<Sdk> | undefined;
function loadSdk(): Promise<Sdk> {
  sdkPromise ??= import('@anthropic-ai/claude-agent-sdk');
  sdkPromise.catch(() => (sdkPromise = undefined)); // a later install can still succeed
  return sdkPromise;
}

export async function runClaude(req: ClaudeRunRequest): Promise<ClaudeRunResult> {
  let sdk: Sdk;
  try {
    sdk = await loadSdk();
  } catch (err) {
    return { status: 'failed', error: sdkMissing(err instanceof Error ? err.message : String(err)) };
  }
  if (req.signal.aborted) return { status: 'cancelled', error: { code: 'CANCELLED', message: 'The task was cancelled before it started.' } };

  const abortController = new AbortController();
  const onAbort = () => abortController.abort();
  req.signal.addEventListener('abort', onAbort, { once: true });
  const mapper = new ClaudeEventMapper();
  /** Inputs of the tool calls seen so far, by id: shown with a request whose own input is empty. */
  const toolInputs = new Map<string, unknown>();
  let sessionId = req.resume;
  let result: SdkMessageLike | undefined;
  let assistantError: string | undefined;
  const stderrTail: string[] = [];
  const onStderr = (data: string) => {
    stderrTail.push(data);
    if (stderrTail.length > 20) stderrTail.shift();
  };

  try {
    const q = sdk.query({
      prompt: req.prompt,
      options: {
        cwd: req.cwd,
        env: agentEnvironment({ base: process.env, extra: req.env, passEnv: req.passEnv, secrets: req.secrets }),
        includePartialMessages: true,
        abortController,
        permissionMode: req.permissionMode,
        allowDangerouslySkipPermissions: req.permissionMode === 'bypassPermissions',
        resume: req.resume,
        model: req.model,
        pathToClaudeCodeExecutable: req.claudeCodePath,
        canUseTool: req.canUseTool ? withToolInputs(req.canUseTool, toolInputs) : undefined,
        // Under a guard that ends Claude Code and its tools when this process dies (agentGuard.ts).
        spawnClaudeCodeProcess: (o) => spawnGuarded(o, onStderr) as unknown as SpawnedProcess,
      },
    });
    for await (const message of q as AsyncIterable<SdkMessageLike>) {
      if (message.session_id) sessionId = message.session_id;
      if (message.type === 'assistant' && typeof message.error === 'string') assistantError = message.error;
      if (message.type === 'result') {
        result = message;
        // Without an approver every such tool was refused by the mode: say how to allow them.
        const denied = req.canUseTool ? undefined : deniedTools(message);
        if (denied) req.onEvent({ type: 'status', text: `Claude Code was not allowed to use ${denied} (permission mode "${req.permissionMode}"). Approve such tools when asked, or run the executor with a more permissive mode (e.g. --permission-mode acceptEdits / the wegent.permissionMode setting).` });
      }
      for (const event of mapper.map(message)) {
        if (event.type === 'tool_use') toolInputs.set(event.id, event.input);
        req.onEvent(event);
      }
    }
  } catch (err) {
    if (req.signal.aborted) return { status: 'cancelled', sessionId, error: { code: 'CANCELLED', message: 'The task was cancelled.' } };
    if (!result) return { status: 'failed', sessionId, error: thrownError(err, req.claudeCodePath, stderrTail) };
    // The SDK throws after an error result; the result itself says what happened.
  } finally {
    req.signal.removeEventListener('abort', onAbort);
  }
  if (req.signal.aborted) return { status: 'cancelled', sessionId, error: { code: 'CANCELLED', message: 'The task was cancelled.' } };
  return fromResult(result, assistantError, sessionId);
}

function fromResult(result: SdkMessageLike | undefined, assistantError: string | undefined, sessionId: string | undefined): ClaudeRunResult {
  if (!result) return { status: 'failed', sessionId, error: { code: 'EXECUTOR_ERROR', message: 'Claude Code ended without a result.' } };
  const usage = { ...(result.usage as object | undefined), total_cost_usd: result.total_cost_usd, num_turns: result.num_turns, duration_ms: result.duration_ms };
  const text = typeof result.result === 'string' ? result.result : '';
  if (result.subtype === 'success' && !result.is_error) return { status: 'completed', result: text, sessionId, usage };
  const errors = Array.isArray(result.errors) ? (result.errors as string[]).join('; ') : '';
  const detail = text || errors || `Claude Code stopped: ${String(result.subtype)}`;
  return { status: 'failed', result: text || undefined, sessionId, usage, error: classifyClaudeError(assistantError, detail) };
}

function thrownError(err: unknown, claudeCodePath: string | undefined, stderrTail: string[]): ProtocolError {
  const e = err as { code?: string; message?: string } | undefined;
  const message = e?.message ?? String(err);
  if (e?.code === 'ENOENT' || /native binary not found|ENOENT|not found at/i.test(message)) return binaryMissing(claudeCodePath);
  if (/EACCES/i.test(message)) return { code: 'PERMISSION_DENIED', message: `Claude Code could not be started: ${message}. Make the claude executable runnable (chmod +x) or pass another --claude-path.` };
  const stderr = stderrTail.join('').trim().slice(-500);
  return classifyClaudeError(undefined, stderr ? `${message} (${stderr})` : message);
}

/** "Write, Bash" for the tools a turn was refused, or undefined. */
function deniedTools(result: SdkMessageLike): string | undefined {
  const denials = Array.isArray(result.permission_denials) ? (result.permission_denials as Array<{ tool_name?: string }>) : [];
  const names = [...new Set(denials.map((d) => d.tool_name).filter(Boolean))];
  return names.length ? names.join(', ') : undefined;
}

function withToolInputs(canUseTool: CanUseTool, toolInputs: Map<string, unknown>) {
  return (toolName: string, input: Record<string, unknown>, o: { signal: AbortSignal; toolUseID?: string; title?: string }) => {
    const seen = o.toolUseID ? toolInputs.get(o.toolUseID) : undefined;
    const displayInput = Object.keys(input).length === 0 && seen !== undefined ? seen : undefined;
    return canUseTool(toolName, input, { signal: o.signal, toolUseID: o.toolUseID, title: o.title, displayInput });
  };
}
