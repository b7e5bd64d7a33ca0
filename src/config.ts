import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { agentName, spaceName } from './core/schemas.js';
import type { LogLevel } from './log.js';

export type Command = 'stdio' | 'serve' | 'help' | 'version';

export const AUTH_MODES = ['none', 'agents'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

export interface Config {
  command: Command;
  /** Directory holding boss.db. */
  dataDir: string;
  dbPath: string;
  /** tmux `-L` socket name; undefined = the user's default tmux server. */
  tmuxSocket?: string;
  space?: string;
  agent?: string;
  port: number;
  host: string;
  token?: string;
  /** Extra Host header values accepted besides loopback names and the bound address. */
  allowedHosts: string[];
  readOnly: boolean;
  /** Who may speak for an agent over HTTP: `none` = self-asserted X-Agent-Name, `agents` = only with that agent's token. */
  auth: AuthMode;
  logLevel: LogLevel;
  /** Pause between typing text and pressing Enter, in ms (see the tmux backend). */
  submitDelayMs?: number;
}

/** A bad command line: the CLI prints the message and exits with code 2. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Options, their env var and default. Precedence, lowest first: default < environment < flag.
 */
export const OPTIONS = {
  'data-dir': { env: 'BOSS_DATA_DIR', default: './data', help: 'Directory for the SQLite database boss.db' },
  'tmux-socket': { env: 'BOSS_TMUX_SOCKET', default: undefined, help: 'tmux socket name (tmux -L NAME); default: your default tmux server' },
  space: { env: 'BOSS_SPACE', default: undefined, help: 'Space this server serves by default (else "default")' },
  agent: { env: 'BOSS_AGENT', default: undefined, help: 'Agent this server is bound to (stdio): reports only as this agent' },
  port: { env: 'BOSS_PORT', default: '8899', help: 'HTTP port (serve); 0 picks a free port' },
  host: { env: 'BOSS_HOST', default: '127.0.0.1', help: 'HTTP bind address (serve); non-loopback requires --token' },
  token: { env: 'BOSS_TOKEN', default: undefined, help: 'Bearer token required on every HTTP route but /healthz' },
  'allowed-hosts': { env: 'BOSS_ALLOWED_HOSTS', default: '', help: 'Comma-separated extra Host names accepted (serve)' },
  auth: {
    env: 'BOSS_AUTH',
    default: 'none',
    help: 'serve: "none" = X-Agent-Name is taken on trust; "agents" = only with that agent\'s token (agent-boss token), --token is the operator\'s',
  },
  'read-only': { env: 'BOSS_READ_ONLY', default: undefined, help: 'Offer only read-only tools (list_liveness)', boolean: true },
  'log-level': { env: 'BOSS_LOG_LEVEL', default: 'info', help: 'debug, info, warn or error' },
  'submit-delay-ms': { env: 'BOSS_SUBMIT_DELAY_MS', default: undefined, help: 'Pause between typing text and pressing Enter (ms)' },
} as const satisfies Record<string, { env: string; default: string | undefined; help: string; boolean?: boolean }>;

type OptionName = keyof typeof OPTIONS;

const COMMANDS: Record<Exclude<Command, 'help' | 'version'>, string> = {
  stdio: 'Serve MCP over stdio (one process per agent, started by Claude Code)',
  serve: 'Run the HTTP hub: MCP over Streamable HTTP at /mcp, legacy curl routes, live events',
};

export function helpText(): string {
  const opts = Object.entries(OPTIONS)
    .map(([name, o]) => {
      const flag = `  --${name}${'boolean' in o ? '' : ' VALUE'}`;
      const dflt = o.default ? ` (default ${o.default})` : '';
      return `${flag.padEnd(28)}${o.help}${dflt} [${o.env}]`;
    })
    .join('\n');
  const cmds = Object.entries(COMMANDS)
    .map(([n, h]) => `  ${n.padEnd(26)}${h}`)
    .join('\n');
  return `Usage: agent-boss <command> [options]

Coordinates AI coding agents running in terminal sessions, over MCP.

Commands:
${cmds}

Options (flags override environment variables, which override defaults):
${opts}
  --help                    Show this help
  --version                 Show the version
`;
}

const truthy = (v: string | undefined): boolean => v !== undefined && /^(1|true|yes|on)$/i.test(v);

const parseName = (schema: z.ZodType<string>, flag: string, value: string | undefined): string | undefined => {
  if (value === undefined) return undefined;
  const r = schema.safeParse(value);
  if (!r.success) throw new ConfigError(`--${flag}: ${r.error.issues[0]?.message ?? 'invalid value'}`);
  return r.data;
};

const parseAuth = (value: string): AuthMode => {
  const v = value.trim().toLowerCase();
  if (!(AUTH_MODES as readonly string[]).includes(v)) throw new ConfigError(`--auth must be ${AUTH_MODES.join(' or ')}, got "${value}"`);
  return v as AuthMode;
};

const parseInteger = (flag: string, value: string, min: number, max: number): number => {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(`--${flag} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return Number(value);
};

/** Reads the command line and environment into a Config. Throws ConfigError for bad input. */
export function resolveConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Config {
  const options = Object.fromEntries(
    Object.entries(OPTIONS).map(([name, o]) => [name, { type: 'boolean' in o ? ('boolean' as const) : ('string' as const) }]),
  );
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...options, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new ConfigError((err as Error).message.replace(/\. To specify.*$/s, ''));
  }
  const { values, positionals } = parsed;
  let command: Command;
  if (values.help) command = 'help';
  else if (values.version) command = 'version';
  else {
    if (positionals.length === 0) throw new ConfigError('missing command: use "agent-boss stdio" or "agent-boss serve" (see --help)');
    if (positionals.length > 1) throw new ConfigError(`unexpected argument "${positionals[1]}"`);
    const c = positionals[0]!;
    if (c !== 'stdio' && c !== 'serve') throw new ConfigError(`unknown command "${c}": use "stdio" or "serve" (see --help)`);
    command = c;
  }

  const get = (name: OptionName): string | undefined => {
    const flag = (values as Record<string, string | boolean | undefined>)[name];
    if (typeof flag === 'string') return flag;
    if (flag === true) return 'true';
    const fromEnv = env[OPTIONS[name].env];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    return OPTIONS[name].default;
  };

  const dataDir = resolve(get('data-dir')!);
  const logLevel = get('log-level')!;
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) {
    throw new ConfigError(`--log-level must be debug, info, warn or error, got "${logLevel}"`);
  }
  const tmuxSocket = get('tmux-socket');
  if (tmuxSocket !== undefined && !/^[A-Za-z0-9_.-]{1,100}$/.test(tmuxSocket)) {
    throw new ConfigError(`--tmux-socket must be a socket name (letters, digits, "_", "." or "-"), got "${tmuxSocket}"`);
  }
  const submitDelay = get('submit-delay-ms');
  const token = get('token');
  if (token !== undefined && token.length < 16) throw new ConfigError('--token must be at least 16 characters');

  const config: Config = {
    command,
    dataDir,
    dbPath: join(dataDir, 'boss.db'),
    port: parseInteger('port', get('port')!, 0, 65535),
    host: get('host')!,
    allowedHosts: get('allowed-hosts')!
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
    readOnly: truthy(get('read-only')),
    auth: parseAuth(get('auth')!),
    logLevel: logLevel as LogLevel,
  };
  const space = parseName(spaceName, 'space', get('space'));
  const agent = parseName(agentName, 'agent', get('agent'));
  if (tmuxSocket !== undefined) config.tmuxSocket = tmuxSocket;
  if (space !== undefined) config.space = space;
  if (agent !== undefined) config.agent = agent;
  if (token !== undefined) config.token = token;
  if (submitDelay !== undefined) config.submitDelayMs = parseInteger('submit-delay-ms', submitDelay, 0, 10_000);
  return config;
}
