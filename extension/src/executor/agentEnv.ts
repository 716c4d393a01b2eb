// The environment Claude Code (and so every tool it runs: Bash, hooks, MCP servers) starts with. An
// allow-list, not the executor's own environment: a task that may run shell commands must not be
// able to print the executor's credentials (WEGENT_TOKEN) or whatever else the shell that started
// the executor happened to export. What passes: what a shell and Claude Code need (PATH, HOME,
// locale, temp dirs, proxies and CA bundles), Claude Code's own settings and model credentials
// (ANTHROPIC_*, CLAUDE_*, Bedrock/Vertex), and the names the user lists with --pass-env.

/** Passed as they are (compared case-insensitively: Windows names vary in case). */
const NAMES = new Set(
  [
    'PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'TERM', 'COLORTERM', 'LANG', 'LANGUAGE', 'TZ',
    'TMPDIR', 'TMP', 'TEMP', 'EDITOR', 'VISUAL', 'PAGER', 'SSH_AUTH_SOCK',
    'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'ALL_PROXY',
    'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE',
    // Claude Code settings that do not start with CLAUDE_ (docs: "Environment variables").
    'MAX_THINKING_TOKENS', 'MAX_MCP_OUTPUT_TOKENS', 'MCP_TIMEOUT', 'MCP_TOOL_TIMEOUT', 'API_TIMEOUT_MS',
    'BASH_DEFAULT_TIMEOUT_MS', 'BASH_MAX_TIMEOUT_MS', 'BASH_MAX_OUTPUT_LENGTH', 'USE_BUILTIN_RIPGREP',
    'CLOUD_ML_REGION', 'IS_SANDBOX',
    // Windows: what a process needs to start at all, and where the user's profile is.
    'SYSTEMROOT', 'SYSTEMDRIVE', 'WINDIR', 'COMSPEC', 'PATHEXT', 'USERPROFILE', 'USERNAME', 'USERDOMAIN',
    'APPDATA', 'LOCALAPPDATA', 'PROGRAMDATA', 'PROGRAMFILES', 'PROGRAMFILES(X86)', 'HOMEDRIVE', 'HOMEPATH',
    'OS', 'PROCESSOR_ARCHITECTURE', 'NUMBER_OF_PROCESSORS',
  ].map((n) => n.toUpperCase()),
);

/** Passed when the name starts with one of these. */
const PREFIXES = ['LC_', 'XDG_', 'ANTHROPIC_', 'CLAUDE_', 'DISABLE_', 'AWS_', 'VERTEX_REGION_'];

/** Never passed, whatever the allow-list or --pass-env says: the executor's own settings and secrets. */
const FORBIDDEN_PREFIX = 'WEGENT_';

export interface AgentEnvOptions {
  /** The executor's environment (process.env). */
  base: Record<string, string | undefined>;
  /** Set by the shell (e.g. ANTHROPIC_BASE_URL in tests); passed over the allow-list. */
  extra?: Record<string, string>;
  /** Further names the user chose to pass (--pass-env), e.g. GITHUB_TOKEN for `gh`. */
  passEnv?: readonly string[];
  /** Values that must never reach the agent (the Wegent token): a variable holding one is dropped. */
  secrets?: readonly string[];
}

export function isAllowedName(name: string, passEnv: readonly string[] = []): boolean {
  const upper = name.toUpperCase();
  if (upper.startsWith(FORBIDDEN_PREFIX)) return false;
  return NAMES.has(upper) || PREFIXES.some((p) => upper.startsWith(p)) || passEnv.some((n) => n.toUpperCase() === upper);
}

/** The whole environment for Claude Code (the SDK's `env` replaces, never merges). */
export function agentEnvironment(o: AgentEnvOptions): Record<string, string> {
  const secrets = (o.secrets ?? []).filter((s) => s.length >= 8);
  const out: Record<string, string> = {};
  const put = (name: string, value: string | undefined) => {
    if (value === undefined || name.toUpperCase().startsWith(FORBIDDEN_PREFIX)) return;
    if (secrets.some((s) => value.includes(s))) return;
    out[name] = value;
  };
  for (const [name, value] of Object.entries(o.base)) if (isAllowedName(name, o.passEnv)) put(name, value);
  for (const [name, value] of Object.entries(o.extra ?? {})) put(name, value);
  return out;
}
