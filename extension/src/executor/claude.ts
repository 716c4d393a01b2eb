// Runs one task turn with the real Claude Agent SDK, in the task's workspace, streaming its events,
// and resolves with the outcome; it never throws. The turn runs in a process from the executor's
// pool (claudeProcesses.ts: the conversation's warm one, a prewarmed spare, or a new one). The SDK
// (ESM, ~MBs, plus a native binary) is loaded lazily on the first task so starting stays fast.
import { pickUsage, type PermissionMode, type ProtocolError, type TaskEvent, type Usage } from '@wegent/shared';
import type { Logger } from './api';
import { hostSettings, type HostSettings } from './claudeOptions';
import { ClaimRefused, type ClaudeSession, type ImageInput } from './claudeSession';
import { ClaudeProcesses } from './claudeProcesses';
import { ClaudeEventMapper, type SdkMessageLike } from './claudeEvents';
import { binaryMissing, classifyClaudeError, sdkMissing } from './claudeErrors';
import { shellWords, type Shell } from './shellWords';
import type { ToolAsk, ToolPermission } from './approvals';

type Sdk = typeof import('@anthropic-ai/claude-agent-sdk');

/** Asked before a tool runs when the permission mode wants approval (approvals.ts); absent: such tools are denied. */
export type CanUseTool = (toolName: string, input: Record<string, unknown>, ask: ToolAsk) => Promise<ToolPermission>;

export interface ClaudeRunRequest {
  subtaskId: string;
  /** The conversation: its process may stay warm for the next message (claudeProcesses.ts). */
  taskId?: string;
  prompt: string;
  /** The message's images, given to Claude as image blocks with the prompt. */
  images?: readonly ImageInput[];
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
  /** The device's ceiling is Full access: its processes may switch into bypassPermissions. */
  allowBypass?: boolean;
  /** What the process starts with, when the caller made it already (else from the fields above). */
  host?: HostSettings;
  /** Where warm processes come from; absent: a process of its own, ended with the turn. */
  processes?: ClaudeProcesses;
  /** Keep every tool inside this folder and refuse shell tools (cloud pool tasks, confinement.ts). */
  confineTo?: string;
  /** Whose words a hint uses: a VS Code setting or a CLI flag (shellWords.ts). */
  shell?: Shell;
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
  usage?: Usage;
}

let sdkPromise: Promise<Sdk> | undefined;
export function loadSdk(): Promise<Sdk> {
  sdkPromise ??= import('@anthropic-ai/claude-agent-sdk');
  sdkPromise.catch(() => (sdkPromise = undefined)); // a later install can still succeed
  return sdkPromise;
}

/** Without a pool of the executor's: every turn in its own process, as a plain query() would. */
const coldOnly = new ClaudeProcesses(loadSdk, { keepAliveMs: 0, spare: false, maxIdle: 0 });

export function settingsOf(req: Pick<ClaudeRunRequest, 'env' | 'passEnv' | 'secrets' | 'claudeCodePath' | 'allowBypass' | 'permissionMode' | 'confineTo'> & { confined?: boolean }) {
  return hostSettings({ env: req.env, passEnv: req.passEnv, secrets: req.secrets, claudeCodePath: req.claudeCodePath, allowBypass: req.allowBypass ?? req.permissionMode === 'bypassPermissions', confined: req.confined ?? Boolean(req.confineTo) });
}

export async function runClaude(req: ClaudeRunRequest): Promise<ClaudeRunResult> {
  try {
    await loadSdk();
  } catch (err) {
    return { status: 'failed', error: sdkMissing(err instanceof Error ? err.message : String(err)) };
  }
  const first = await runTurn(req);
  // A spare that cannot take this folder (its settings, a vanished folder): the same turn, started cold.
  return first === 'claim-refused' ? ((await runTurn(req)) as ClaudeRunResult) : first;
}

async function runTurn(req: ClaudeRunRequest): Promise<ClaudeRunResult | 'claim-refused'> {
  if (req.signal.aborted) return { status: 'cancelled', error: { code: 'CANCELLED', message: 'The task was cancelled before it started.' } };
  const pool = req.processes ?? coldOnly;
  const mapper = new ClaudeEventMapper();
  /** Inputs of the tool calls seen so far, by id: shown with a request whose own input is empty. */
  const toolInputs = new Map<string, unknown>();
  let sessionId = req.resume;
  let result: SdkMessageLike | undefined;
  let assistantError: string | undefined;
  const stderrTail: string[] = [];
  let session: ClaudeSession | undefined;
  const onAbort = () => session?.close();
  req.signal.addEventListener('abort', onAbort, { once: true });

  try {
    session = await pool.open({ taskId: req.taskId ?? req.subtaskId, cwd: req.cwd, permissionMode: req.permissionMode, model: req.model, resume: req.resume }, req.host ?? settingsOf(req));
    if (req.signal.aborted) session.close();
    session.bind({
      confineTo: req.confineTo,
      canUseTool: req.canUseTool ? withToolInputs(req.canUseTool, toolInputs) : undefined,
      stderr: (data) => {
        stderrTail.push(data);
        if (stderrTail.length > 20) stderrTail.shift();
      },
    });
    result = await session.turn(req.prompt, (message) => {
      if (message.session_id) sessionId = message.session_id;
      if (message.type === 'assistant' && typeof message.error === 'string') assistantError = message.error;
      if (message.type === 'result') {
        // Without an approver every such tool was refused by the mode: say how to allow them.
        const denied = req.canUseTool ? undefined : deniedTools(message);
        if (denied) req.onEvent({ type: 'status', text: `Claude Code was not allowed to use ${denied} (permission mode "${req.permissionMode}"). Approve such tools when asked, or allow more with ${shellWords(req.shell).permissionMode}.` });
      }
      for (const event of mapper.map(message)) {
        if (event.type === 'tool_use') toolInputs.set(event.id, event.input);
        req.onEvent(event);
      }
    }, req.images);
  } catch (err) {
    if (err instanceof ClaimRefused) {
      req.logger.info(err.message);
      return 'claim-refused';
    }
    if (req.signal.aborted) return { status: 'cancelled', sessionId, error: { code: 'CANCELLED', message: 'The task was cancelled.' } };
    if (!result) return { status: 'failed', sessionId, error: thrownError(err, req.claudeCodePath, stderrTail, req.shell) };
    // The SDK throws after an error result; the result itself says what happened.
  } finally {
    req.signal.removeEventListener('abort', onAbort);
    if (session) {
      session.bind({});
      pool.release(session, !req.signal.aborted && result?.subtype === 'success' && !result.is_error);
    }
  }
  if (req.signal.aborted) return { status: 'cancelled', sessionId, error: { code: 'CANCELLED', message: 'The task was cancelled.' } };
  return fromResult(result, assistantError, sessionId);
}

function fromResult(result: SdkMessageLike | undefined, assistantError: string | undefined, sessionId: string | undefined): ClaudeRunResult {
  if (!result) return { status: 'failed', sessionId, error: { code: 'EXECUTOR_ERROR', message: 'Claude Code ended without a result.' } };
  // Token counts from the result's usage, the rest from the result itself; only what it reported.
  const usage = pickUsage({
    ...(result.usage as object | undefined), total_cost_usd: result.total_cost_usd, num_turns: result.num_turns, duration_ms: result.duration_ms, duration_api_ms: result.duration_api_ms,
  });
  const text = typeof result.result === 'string' ? result.result : '';
  if (result.subtype === 'success' && !result.is_error) return { status: 'completed', result: text, sessionId, usage };
  const errors = Array.isArray(result.errors) ? (result.errors as string[]).join('; ') : '';
  const detail = text || errors || `Claude Code stopped: ${String(result.subtype)}`;
  return { status: 'failed', result: text || undefined, sessionId, usage, error: classifyClaudeError(assistantError, detail) };
}

function thrownError(err: unknown, claudeCodePath: string | undefined, stderrTail: string[], shell?: Shell): ProtocolError {
  const e = err as { code?: string; message?: string } | undefined;
  const message = e?.message ?? String(err);
  if (e?.code === 'ENOENT' || /native binary not found|ENOENT|not found at/i.test(message)) return binaryMissing(claudeCodePath, shell);
  if (/EACCES/i.test(message)) return { code: 'PERMISSION_DENIED', message: `Claude Code could not be started: ${message}. Make the claude executable runnable (chmod +x), or ${shellWords(shell).claudePath}.` };
  const stderr = stderrTail.join('').trim().slice(-500);
  return classifyClaudeError(undefined, stderr ? `${message} (${stderr})` : message);
}

/** "Write, Bash" for the tools a turn was refused, or undefined. */
function deniedTools(result: SdkMessageLike): string | undefined {
  const denials = Array.isArray(result.permission_denials) ? (result.permission_denials as Array<{ tool_name?: string }>) : [];
  const names = [...new Set(denials.map((d) => d.tool_name).filter(Boolean))];
  return names.length ? names.join(', ') : undefined;
}

function withToolInputs(canUseTool: CanUseTool, toolInputs: Map<string, unknown>): CanUseTool {
  return (toolName, input, o) => {
    const seen = o.toolUseID ? toolInputs.get(o.toolUseID) : undefined;
    const displayInput = Object.keys(input).length === 0 && seen !== undefined ? seen : undefined;
    return canUseTool(toolName, input, { signal: o.signal, toolUseID: o.toolUseID, title: o.title, displayInput });
  };
}
