/**
 * The command line's vocabulary: the commands, every option with its environment variable,
 * default and the commands it applies to, and the help text built from them. Parsing is in
 * config.ts (resolveConfig).
 */

export type Command = 'stdio' | 'serve' | 'setup' | 'help' | 'version';
/** Commands that do something (help and version only print). */
export type RunCommand = Exclude<Command, 'help' | 'version'>;

export const AUTH_MODES = ['none', 'agents'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

export interface OptionSpec {
  env?: string;
  default?: string;
  value?: string;
  help: string;
  boolean?: boolean;
  /** May be given several times (the values are a list). */
  multiple?: boolean;
  commands: readonly RunCommand[];
}

/**
 * Options, their env var, default and the commands they apply to (any other command refuses them).
 * Precedence, lowest first: default < environment < flag.
 */
export const OPTIONS = {
  'data-dir': {
    env: 'BOSS_DATA_DIR',
    value: 'DIR',
    help: 'Directory of the SQLite database boss.db (default $XDG_STATE_HOME/agent-boss, else ~/.local/state/agent-boss)',
    commands: ['stdio', 'serve', 'setup'],
  },
  store: {
    env: 'BOSS_STORE',
    value: 'URL',
    help: 'A PostgreSQL database shared by the hubs of several hosts (postgres://user@host/db) instead of the SQLite file; set BOSS_STORE rather than the flag to keep its password out of the process list',
    commands: ['stdio', 'serve'],
  },
  'host-name': {
    env: 'BOSS_HOST_NAME',
    value: 'NAME',
    help: "This host's name on its agents' rows when hubs share a PostgreSQL store (default: the machine's hostname)",
    commands: ['stdio', 'serve'],
  },
  'tmux-socket': {
    env: 'BOSS_TMUX_SOCKET',
    value: 'NAME',
    help: 'tmux socket name (tmux -L NAME); default: your default tmux server',
    commands: ['stdio', 'serve', 'setup'],
  },
  space: { env: 'BOSS_SPACE', value: 'NAME', help: 'Space used when a call names none (else "default")', commands: ['stdio', 'serve', 'setup'] },
  agent: { env: 'BOSS_AGENT', value: 'NAME', help: 'Agent this server is bound to: it reports only as this agent', commands: ['stdio', 'setup'] },
  port: { env: 'BOSS_PORT', default: '8899', value: 'N', help: 'HTTP port; 0 picks a free port', commands: ['serve'] },
  host: { env: 'BOSS_HOST', default: '127.0.0.1', value: 'ADDR', help: 'HTTP bind address; a non-loopback one requires --token', commands: ['serve'] },
  token: {
    env: 'BOSS_TOKEN',
    value: 'T',
    help: 'Bearer token required on every HTTP route but /healthz (16+ characters); prefer BOSS_TOKEN or --token-file: a command line is visible to every local user',
    commands: ['serve'],
  },
  'token-file': { env: 'BOSS_TOKEN_FILE', value: 'PATH', help: 'Read --token from this file (its first line)', commands: ['serve'] },
  'allowed-hosts': { env: 'BOSS_ALLOWED_HOSTS', default: '', value: 'A,B', help: 'Extra Host names accepted (comma-separated)', commands: ['serve'] },
  auth: {
    env: 'BOSS_AUTH',
    default: 'none',
    value: 'MODE',
    help: '"none" = X-Agent-Name is taken on trust; "agents" = only with that agent\'s token (agent-boss token), --token is the operator\'s',
    commands: ['serve'],
  },
  'read-only': { env: 'BOSS_READ_ONLY', help: 'Offer only read-only tools (list_liveness, capture_output, wait_for)', boolean: true, commands: ['stdio', 'serve'] },
  'log-level': { env: 'BOSS_LOG_LEVEL', default: 'info', value: 'L', help: 'debug, info, warn or error (logs go to stderr)', commands: ['stdio', 'serve'] },
  'submit-delay-ms': {
    env: 'BOSS_SUBMIT_DELAY_MS',
    value: 'N',
    help: 'Pause between typing text and pressing Enter (default 150)',
    commands: ['stdio', 'serve'],
  },
  'allow-skip-permissions': {
    env: 'BOSS_ALLOW_SKIP_PERMISSIONS',
    help: 'Let spawn_agent start agents with permission prompts skipped (skip_permissions: true)',
    boolean: true,
    commands: ['stdio', 'serve'],
  },
  'notify-webhook': {
    env: 'BOSS_NOTIFY_WEBHOOK',
    value: 'URL',
    help: 'POST a JSON event here when an agent waits for a prompt, is blocked, is gone or ends a long turn (repeatable; the variable: URLs separated by spaces)',
    multiple: true,
    commands: ['serve'],
  },
  'notify-command': {
    env: 'BOSS_NOTIFY_COMMAND',
    value: 'CMD',
    help: 'Run CMD (with /bin/sh -c) for each such event: the event as JSON on stdin and in NOTIFY_JSON, its fields in NOTIFY_* variables',
    multiple: true,
    commands: ['serve'],
  },
  'notify-long-turn': { env: 'BOSS_NOTIFY_LONG_TURN', default: '300', value: 'S', help: 'Notify when a turn that worked at least S seconds ends (0: never)', commands: ['serve'] },
  'approval-links': {
    env: 'BOSS_APPROVAL_LINKS',
    help: 'Put one-time approval links (/approve/<prompt_id>?t=…, single use, 15 minutes) in webhook and command events',
    boolean: true,
    commands: ['serve'],
  },
  'public-url': {
    env: 'BOSS_PUBLIC_URL',
    value: 'URL',
    help: 'The hub\'s address as the operator\'s phone or browser reaches it, for the links in notifications (default: the address served)',
    commands: ['serve'],
  },
  hub: { value: 'URL', help: 'Configure HTTP to this hub (e.g. http://127.0.0.1:8899) instead of a stdio server', commands: ['setup'] },
  name: { default: 'agent-boss', value: 'NAME', help: 'Server name in the client configuration', commands: ['setup'] },
  'token-env': { value: 'VAR', help: 'With --hub: send "Authorization: Bearer ${VAR}" (the token stays in that variable)', commands: ['setup'] },
  dir: { value: 'DIR', help: 'Project directory whose .mcp.json (setup claude) or .gemini/settings.json (setup gemini) --write merges (default: the current directory)', commands: ['setup'] },
  write: { help: 'Merge the configuration into <dir>/.mcp.json (other servers are kept as they are)', boolean: true, commands: ['setup'] },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;

/** What `agent-boss setup` sets up: `setup claude` is parsed here, `setup hooks` in hooks/setup-command.ts. */
export const SETUP_TARGETS = {
  claude: {
    usage: 'setup claude',
    summary: 'Print (or with --write apply) the Claude Code MCP configuration for this machine',
  },
  codex: {
    usage: 'setup codex',
    summary: 'Print (or with --write merge into $CODEX_HOME/config.toml) the Codex CLI MCP server entry',
  },
  gemini: {
    usage: 'setup gemini',
    summary: 'Print (or with --write merge into .gemini/settings.json) the Gemini CLI MCP server entry',
  },
  hooks: {
    usage: 'setup hooks',
    summary: 'Print (or with --write merge into the program\'s settings, --kind claude-code|codex|gemini) the hook entries that report agent events',
  },
} as const;
export type SetupTarget = keyof typeof SETUP_TARGETS;

/** What `agent-boss token` does (token-cli.ts). */
export const TOKEN_ACTIONS = ['issue', 'list', 'revoke'] as const;

/**
 * Every top-level command, in the order help lists them: the one table that `--help`, `help
 * COMMAND`, the "unknown command" message and its suggestion, and the Commands list of
 * docs/configuration.md (checked by a test) are made from.
 */
export const TOP_COMMANDS = {
  stdio: { lines: [['stdio', 'Serve MCP over stdio (one process per agent, started by the MCP client)']] },
  serve: { lines: [['serve', 'Run the HTTP hub: MCP at /mcp, dashboard, events, health, legacy curl routes, liveness monitor']] },
  setup: { lines: Object.values(SETUP_TARGETS).map((t): readonly [string, string] => [t.usage, t.summary]) },
  hook: { lines: [['hook', 'Run by an agent program for each hook event (--kind; reads it on stdin; always exits 0)']] },
  token: { lines: [[`token ${TOKEN_ACTIONS.join('|')}`, 'Agent tokens for serve --auth agents (issue one, list them, revoke them)']] },
  doctor: { lines: [['doctor', 'The Claude Code version of this machine and of each agent, with a warning outside the tested range']] },
  help: { lines: [['help [COMMAND]', 'Show this help, or a command\'s options and examples (same as COMMAND --help)']] },
} as const satisfies Record<string, { lines: readonly (readonly [string, string])[] }>;
export type TopCommand = keyof typeof TOP_COMMANDS;
export const TOP_COMMAND_NAMES = Object.keys(TOP_COMMANDS) as TopCommand[];

/** The commands as `"stdio", "serve", …` for error messages. */
export const commandList = (): string => TOP_COMMAND_NAMES.map((c) => `"${c}"`).join(', ');

/** The Commands list of `agent-boss --help` (and of docs/configuration.md, with prefix "agent-boss "). */
export function commandsOverview(prefix = '', width = 28): string {
  const commands = Object.values(TOP_COMMANDS) as { lines: readonly (readonly [string, string])[] }[];
  const rows: (readonly [string, string])[] = [...commands.flatMap((c) => c.lines), ['--version', 'Show the version']];
  return rows.map(([usage, summary]) => `  ${`${prefix}${usage}`.padEnd(width)}${summary}`).join('\n');
}

interface CommandSpec {
  usage: string;
  summary: string;
  details: string;
  examples: readonly string[];
}

export const COMMANDS: Record<RunCommand, CommandSpec> = {
  stdio: {
    usage: 'agent-boss stdio [--agent NAME] [--space NAME] [options]',
    summary: TOP_COMMANDS.stdio.lines[0][1],
    details:
      'Speaks MCP on stdin/stdout; logs go to stderr. With --agent the server is bound to that agent: it reports only\n' +
      'as that agent and, inside tmux, finds the agent\'s session by itself. Every server on this machine uses the same\n' +
      'database by default, so stdio servers and the hub see the same agents.',
    examples: [
      'claude mcp add agent-boss -- agent-boss stdio --space web --agent api-dev',
      'agent-boss setup claude --space web --agent api-dev     # prints that line and the .mcp.json entry',
    ],
  },
  serve: {
    usage: 'agent-boss serve [--port N] [--host ADDR] [--token T] [options]',
    summary: TOP_COMMANDS.serve.lines[0][1],
    details:
      'Listens on 127.0.0.1:8899 by default. Any other address requires --token. Prints where everything is and the\n' +
      'line that connects Claude Code to it, then logs each registration, report and action on stderr.',
    examples: [
      'agent-boss serve',
      'agent-boss serve --port 9000 --tmux-socket work',
      'export BOSS_TOKEN=$(openssl rand -hex 16); agent-boss serve --host 0.0.0.0',
      'agent-boss serve --notify-command \'notify-send "$NOTIFY_TITLE" "$NOTIFY_TEXT"\'   # see docs/notifications.md',
    ],
  },
  setup: {
    usage: 'agent-boss setup claude|codex|gemini [--agent NAME] [--space NAME] [--hub URL] [--write] [options]',
    summary: SETUP_TARGETS.claude.summary,
    details:
      'Prints a `claude mcp add` line and the .mcp.json entry for a stdio server (default) or, with --hub, for HTTP to\n' +
      'a running hub with X-Agent-Name. --write merges the entry into <dir>/.mcp.json, keeping every other server\n' +
      'byte for byte; running it again changes nothing. setup codex prints (and merges into $CODEX_HOME/config.toml)\n' +
      'the [mcp_servers.NAME] table, setup gemini the mcpServers entry of <dir>/.gemini/settings.json.',
    examples: [
      'agent-boss setup codex --space web --agent api-dev --write',
      'agent-boss setup gemini --space web --agent ui-dev --write',
      'agent-boss setup claude --space web --agent api-dev',
      'agent-boss setup claude --space web --agent api-dev --write',
      'agent-boss setup claude --hub http://127.0.0.1:8899 --agent api-dev --token-env BOSS_TOKEN',
    ],
  },
};

const flagLine = (name: string, o: OptionSpec): string => {
  const flag = `  --${name}${o.boolean ? '' : ` ${o.value ?? 'VALUE'}`}`;
  const dflt = o.default ? ` (default ${o.default})` : '';
  const env = o.env ? ` [${o.env}]` : '';
  return `${flag.padEnd(30)}${o.help}${dflt}${env}`;
};

/** `agent-boss --help`, or one command's help (`agent-boss help serve`, `agent-boss serve --help`). */
export function helpText(command?: RunCommand): string {
  if (command !== undefined) {
    const c = COMMANDS[command];
    const opts = Object.entries(OPTIONS as Record<string, OptionSpec>)
      .filter(([, o]) => o.commands.includes(command))
      .map(([name, o]) => flagLine(name, o))
      .join('\n');
    const targets =
      command === 'setup'
        ? `\nTargets:\n${Object.entries(SETUP_TARGETS)
            .map(([name, t]) => `  ${name.padEnd(28)}${t.summary}`)
            .join('\n')}\n  ("agent-boss help setup hooks" for the hooks; the options below are those of setup claude)\n`
        : '';
    return `Usage: ${c.usage}
${command === 'setup' ? '       agent-boss setup hooks [--write] [--user | --project DIR] [options]\n' : ''}
${c.summary}.
${targets}
${c.details}

Options (flags override environment variables, which override defaults):
${opts}
  --help                      Show this help

Examples:
${c.examples.map((e) => `  ${e}`).join('\n')}
`;
  }
  return `Usage: agent-boss <command> [options]

Coordinates AI coding agents running in terminal sessions, over MCP.

Commands:
${commandsOverview()}

Examples:
  agent-boss serve                                          # the hub on http://127.0.0.1:8899
  agent-boss setup claude --space web --agent api-dev       # how to connect a Claude Code agent
  claude mcp add agent-boss -- agent-boss stdio --space web --agent api-dev

Run "agent-boss help COMMAND" for a command's options.
`;
}
