// Permission requests of running tasks: Claude Code asks (`canUseTool`), this module streams a
// `permission_request`, waits for whichever answer comes first — a chat's reply relayed by the backend
// (`task:permission_reply`), the person at this device (a shell's prompt calling answer()), or the
// timeout — streams the `permission_decision`, and tells Claude Code. "Allow for this task" is kept
// here, per subtask, so every shell and the CLI behave the same. Free of `vscode`.
import { EventEmitter } from 'node:events';
import {
  DEFAULT_APPROVAL_TIMEOUT_MS, ErrorCode, OpaqueId,
  type Ack, type Answers, type DecidedBy, type PermissionDecisionEvent, type PermissionMode, type PermissionRequestEvent,
  type Question, type TaskEvent, type TaskPermissionReply,
} from '@wegent/shared';

/** What a person decided, wherever they sat. */
export interface PermissionAnswer {
  decision: 'allow' | 'deny';
  scope?: 'once' | 'task';
  message?: string;
  answers?: Answers;
}

/** An open request, as a shell shows it (status bar, sidebar, the local prompt). */
export interface OpenApproval {
  subtaskId: string;
  taskId: string;
  /** The message that started the task (a prompt names the task by it, never by an id). */
  taskPrompt: string;
  requestId: string;
  toolName: string;
  input: unknown;
  title?: string;
  questions?: Question[];
  requestedAt: string;
  expiresAt: string;
}

/** The subset of the SDK's canUseTool options this module reads. */
export interface ToolAsk {
  signal: AbortSignal;
  toolUseID?: string;
  title?: string;
  /** What to show when the tool's own input says little (ExitPlanMode's plan is in its tool_use). */
  displayInput?: unknown;
}
export type ToolPermission =
  | { behavior: 'allow'; updatedInput: Record<string, unknown> }
  | { behavior: 'deny'; message: string };

export type AnswerOutcome = { ok: true } | { ok: false; decidedBy: DecidedBy; decision: 'allow' | 'deny' };

interface Waiting {
  open: OpenApproval;
  settle: (answer: PermissionAnswer, by: DecidedBy, extra?: Pick<PermissionDecisionEvent, 'decided_at' | 'client'>) => void;
}

interface TaskState {
  taskId: string;
  prompt: string;
  /** Tools the user allowed for the rest of this subtask. */
  allowedTools: Set<string>;
  waiting: Map<string, Waiting>;
  /** How each request of this subtask ended (for repeats of a reply, and late local answers). */
  decided: Map<string, { by: DecidedBy; decision: 'allow' | 'deny' }>;
  counter: number;
}

export interface ApprovalsOptions {
  /** Streams an event of the subtask (into the outbox). */
  emit: (subtaskId: string, event: TaskEvent) => void;
  timeoutMs?: number;
}

const ASK_USER_QUESTION = 'AskUserQuestion';
const EXIT_PLAN_MODE = 'ExitPlanMode';

export class Approvals extends EventEmitter<{ opened: [OpenApproval]; closed: [OpenApproval, PermissionDecisionEvent] }> {
  private readonly tasks = new Map<string, TaskState>();
  readonly timeoutMs: number;

  constructor(private readonly options: ApprovalsOptions) {
    super();
    this.timeoutMs = options.timeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS;
  }

  /** Requests waiting for an answer, oldest first. */
  list(): OpenApproval[] {
    return [...this.tasks.values()].flatMap((t) => [...t.waiting.values()].map((w) => w.open)).sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
  }

  begin(subtaskId: string, taskId: string, prompt: string): void {
    if (!this.tasks.has(subtaskId)) this.tasks.set(subtaskId, { taskId, prompt, allowedTools: new Set(), waiting: new Map(), decided: new Map(), counter: 0 });
  }

  /** The subtask ended: anything still open is denied (Claude Code is gone), then forgotten. */
  end(subtaskId: string): void {
    const task = this.tasks.get(subtaskId);
    if (!task) return;
    for (const w of [...task.waiting.values()]) w.settle({ decision: 'deny', message: 'The task ended before anyone answered.' }, 'device');
    this.tasks.delete(subtaskId);
  }

  /**
   * The canUseTool of one subtask. `ceiling` is the device's own permission mode: a device set to
   * "plan" never leaves plan mode, whoever approves.
   */
  canUseTool(subtaskId: string, ceiling: PermissionMode) {
    return (toolName: string, input: Record<string, unknown>, ask: ToolAsk): Promise<ToolPermission> => {
      const task = this.tasks.get(subtaskId);
      if (!task || ask.signal.aborted) return Promise.resolve({ behavior: 'deny', message: 'The task was stopped.' });
      if (toolName === EXIT_PLAN_MODE && ceiling === 'plan') {
        return Promise.resolve({ behavior: 'deny', message: 'This device only allows planning (its permission mode is "plan"). Present the plan as your answer and stop; do not make changes.' });
      }
      if (toolName !== ASK_USER_QUESTION && task.allowedTools.has(toolName)) return Promise.resolve({ behavior: 'allow', updatedInput: input });
      return this.ask(subtaskId, task, toolName, input, ask);
    };
  }

  /** A chat's answer relayed by the backend. Repeats of a decided request are acked, not applied. */
  reply(p: TaskPermissionReply): Ack {
    const task = this.tasks.get(p.subtask_id);
    const waiting = task?.waiting.get(p.request_id);
    if (waiting) {
      waiting.settle(p, 'chat', { decided_at: p.decided_at, client: p.client });
      return { ok: true };
    }
    if (task?.decided.has(p.request_id)) return { ok: true };
    return { ok: false, error: { code: ErrorCode.REQUEST_NOT_FOUND, message: `No open permission request "${p.request_id}" in subtask "${p.subtask_id}" on this device.` } };
  }

  /** The person at this device answered (a shell's prompt). */
  answer(subtaskId: string, requestId: string, answer: PermissionAnswer): AnswerOutcome {
    const task = this.tasks.get(subtaskId);
    const waiting = task?.waiting.get(requestId);
    if (waiting) {
      waiting.settle(answer, 'device');
      return { ok: true };
    }
    const done = task?.decided.get(requestId);
    return { ok: false, decidedBy: done?.by ?? 'device', decision: done?.decision ?? 'deny' };
  }

  private ask(subtaskId: string, task: TaskState, toolName: string, input: Record<string, unknown>, ask: ToolAsk): Promise<ToolPermission> {
    const requestId = this.requestId(task, ask.toolUseID);
    const now = Date.now();
    const questions = toolName === ASK_USER_QUESTION ? questionsOf(input) : undefined;
    const shown = ask.displayInput ?? input;
    const open: OpenApproval = {
      subtaskId, taskId: task.taskId, taskPrompt: task.prompt, requestId, toolName, input: shown, title: ask.title, questions,
      requestedAt: new Date(now).toISOString(), expiresAt: new Date(now + this.timeoutMs).toISOString(),
    };
    const request: PermissionRequestEvent = {
      type: 'permission_request', request_id: requestId, tool_name: toolName, input: shown,
      ...(ask.title ? { title: ask.title } : {}), ...(questions ? { questions } : {}),
      ...(ask.toolUseID ? { tool_use_id: ask.toolUseID } : {}), expires_at: open.expiresAt,
    };
    this.options.emit(subtaskId, request);

    return new Promise<ToolPermission>((resolve) => {
      const timer = setTimeout(() => settle({ decision: 'deny' }, 'timeout'), this.timeoutMs);
      const onAbort = () => settle({ decision: 'deny', message: 'The task was stopped.' }, 'device');
      ask.signal.addEventListener('abort', onAbort, { once: true });
      const settle: Waiting['settle'] = (answer, by, extra) => {
        if (!task.waiting.delete(requestId)) return; // the first answer won already
        clearTimeout(timer);
        ask.signal.removeEventListener('abort', onAbort);
        const decision: PermissionDecisionEvent = {
          type: 'permission_decision', request_id: requestId, decision: answer.decision, by,
          ...(answer.decision === 'allow' && answer.scope ? { scope: answer.scope } : {}),
          ...(answer.message ? { message: answer.message } : {}),
          ...(answer.answers ? { answers: answer.answers } : {}),
          decided_at: extra?.decided_at ?? new Date().toISOString(),
          ...(by === 'chat' && extra?.client ? { client: extra.client } : {}),
        };
        task.decided.set(requestId, { by, decision: answer.decision });
        if (decision.decision === 'allow' && decision.scope === 'task' && toolName !== ASK_USER_QUESTION) task.allowedTools.add(toolName);
        this.options.emit(subtaskId, decision);
        this.emit('closed', open, decision);
        resolve(toSdk(toolName, input, answer, by, this.timeoutMs));
      };
      task.waiting.set(requestId, { open, settle });
      this.emit('opened', open);
    });
  }

  /** The SDK's tool-use id when it fits the id alphabet (it links the card to its tool call). */
  private requestId(task: TaskState, toolUseId: string | undefined): string {
    if (toolUseId && OpaqueId.safeParse(toolUseId).success && !task.decided.has(toolUseId) && !task.waiting.has(toolUseId)) return toolUseId;
    return `perm_${++task.counter}`;
  }
}

/** AskUserQuestion's input questions in the protocol's shape (snake_case, bounded). */
function questionsOf(input: Record<string, unknown>): Question[] | undefined {
  if (!Array.isArray(input.questions)) return undefined;
  const out: Question[] = [];
  for (const q of input.questions.slice(0, 10) as Array<Record<string, unknown>>) {
    if (!q || typeof q.question !== 'string' || !q.question) continue;
    const options = Array.isArray(q.options) ? (q.options as Array<Record<string, unknown>>) : [];
    out.push({
      question: q.question.slice(0, 10_000),
      ...(typeof q.header === 'string' ? { header: q.header.slice(0, 200) } : {}),
      options: options.slice(0, 20).filter((o) => o && typeof o.label === 'string').map((o) => ({
        label: String(o.label).slice(0, 1_000),
        ...(typeof o.description === 'string' ? { description: o.description.slice(0, 10_000) } : {}),
      })),
      ...(q.multiSelect === true ? { multi_select: true } : {}),
    });
  }
  return out.length ? out : undefined;
}

/** What Claude Code is told. A denial always says why, so the model can go on without the tool. */
function toSdk(toolName: string, input: Record<string, unknown>, a: PermissionAnswer, by: DecidedBy, timeoutMs: number): ToolPermission {
  if (a.decision === 'allow') {
    return { behavior: 'allow', updatedInput: toolName === ASK_USER_QUESTION ? { ...input, answers: a.answers ?? {} } : input };
  }
  const minutes = Math.max(1, Math.round(timeoutMs / 60_000));
  const why =
    by === 'timeout'
      ? `Nobody answered within ${minutes} minute${minutes === 1 ? '' : 's'}, so ${toolName} was denied. Continue without it, or explain what you need.`
      : toolName === ASK_USER_QUESTION
        ? 'The user declined to answer these questions.'
        : `The user denied ${toolName}.`;
  return { behavior: 'deny', message: a.message ? `${why} Their note: ${a.message}` : why };
}
