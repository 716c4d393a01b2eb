// What a tool call is about, for people: the command of Bash, the file of Write/Edit, the URL of
// WebFetch… Shared by the chat's approval card and VS Code's local prompt, each with its own words
// (and languages). No zod, so the chat page's bundle can import it.

export type ToolTargetKind = 'command' | 'write' | 'edit' | 'read' | 'notebook' | 'url' | 'search' | 'question' | 'plan' | 'tool';

export interface ToolTarget {
  kind: ToolTargetKind;
  /** The command, path, URL, query or question; absent when the input names none. */
  target?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v : undefined);

export function toolTarget(toolName: string, input: unknown): ToolTarget {
  const i = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  switch (toolName) {
    case 'Bash':
    case 'PowerShell':
      return { kind: 'command', target: str(i.command) };
    case 'Write':
      return { kind: 'write', target: str(i.file_path) };
    case 'Edit':
    case 'MultiEdit':
      return { kind: 'edit', target: str(i.file_path) };
    case 'NotebookEdit':
      return { kind: 'notebook', target: str(i.notebook_path) };
    case 'Read':
      return { kind: 'read', target: str(i.file_path) };
    case 'WebFetch':
      return { kind: 'url', target: str(i.url) };
    case 'WebSearch':
      return { kind: 'search', target: str(i.query) };
    case 'Glob':
    case 'Grep':
      return { kind: 'search', target: str(i.pattern) };
    case 'AskUserQuestion': {
      const first = Array.isArray(i.questions) ? (i.questions[0] as Record<string, unknown> | undefined) : undefined;
      return { kind: 'question', target: str(first?.question) };
    }
    case 'ExitPlanMode':
      return { kind: 'plan', target: str(i.plan) };
    default:
      return { kind: 'tool', target: str(i.file_path) ?? str(i.path) ?? str(i.url) ?? str(i.command) };
  }
}
