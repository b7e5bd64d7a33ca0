import { parseArgs } from 'node:util';
import { notifyConfig, type NotifyConfig } from './config-notify.js';
import { existsSync, readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { agentName, spaceName } from './core/schemas.js';
import { defaultDataDir } from './store/location.js';
import { readStoreFile } from './store/store-file.js';
export { agentEnvOf, prepareDataDir, recordStoreOf, STORE_FILE } from './data-dir.js';
import { isPostgresUrl, STORE_URL_FORM } from './store/store-url.js';
export { storeLabel } from './store/store-url.js';
import type { LogLevel } from './log.js';
import { argErrorMessage, didYouMean } from './cli-suggest.js';
import {
  AUTH_MODES,
  COMMANDS,
  commandList,
  OPTIONS,
  SETUP_TARGETS,
  TOP_COMMAND_NAMES,
  type AuthMode,
  type Command,
  type OptionName,
  type OptionSpec,
  type RunCommand,
} from './config-options.js';

export { AUTH_MODES, COMMANDS, helpText, OPTIONS, type AuthMode, type Command, type RunCommand } from './config-options.js';

export interface Config {
  command: Command;
  /** For `help`: the command whose help to show (`agent-boss help serve`, `agent-boss serve --help`). */
  helpFor?: RunCommand;
  /** For `setup`: what to set up (only `claude` so far). */
  setupTarget?: 'claude' | 'codex' | 'gemini';
  /** Directory holding boss.db (absolute). */
  dataDir: string;
  dbPath: string;
  /** A PostgreSQL URL (--store / BOSS_STORE): the store shared by hubs on several hosts, instead of dbPath. */
  storeUrl?: string;
  /** Where storeUrl came from: the flag shows it (and its password) in the process list; file: the data dir's store.url. */
  storeFrom?: 'flag' | 'env' | 'file';
  /** This host's name on the rows of the sessions it owns (--host-name, default the machine's hostname). */
  hostName: string;
  /** Where dataDir came from: a flag, BOSS_DATA_DIR, or the per-user default. */
  dataDirFrom: 'flag' | 'env' | 'default';
  /**
   * A database at the old default location (`./data/boss.db` of the current directory) that this
   * server is not using: the CLI names it in a warning.
   */
  oldDefaultDb?: string;
  /** tmux `-L` socket name; undefined = the user's default tmux server. */
  tmuxSocket?: string;
  space?: string;
  agent?: string;
  port: number;
  host: string;
  token?: string;
  /** Where the token came from: --token (visible in the process list; BOSS_TOKEN may be unset in the user's shell), BOSS_TOKEN, or a file. */
  tokenFrom?: 'flag' | 'env' | 'file';
  /** The file the token was read from (--token-file / BOSS_TOKEN_FILE). */
  tokenFile?: string;
  /** Extra Host header values accepted besides loopback names and the bound address. */
  allowedHosts: string[];
  readOnly: boolean;
  /** Who may speak for an agent over HTTP: `none` = self-asserted X-Agent-Name, `agents` = only with that agent's token. */
  auth: AuthMode;
  logLevel: LogLevel;
  /** Pause between typing text and pressing Enter, in ms (see the tmux backend). */
  submitDelayMs?: number;
  /** spawn_agent may start agents with permission checks skipped (`--dangerously-skip-permissions`). */
  allowSkipPermissions: boolean;
  /** setup: the hub's URL (HTTP configuration) instead of a stdio server. */
  hub?: string;
  /** setup: the MCP server name in the client's configuration. */
  serverName: string;
  /** setup: write the configuration instead of only printing it. */
  write: boolean;
  /** setup: the project directory whose .mcp.json is merged. */
  projectDir: string;
  /** setup: environment variable holding the hub's token (`Authorization: Bearer ${VAR}`). */
  tokenEnv?: string;
  /** serve: where notifications go (config-notify.ts). */
  notify?: NotifyConfig;
}

/** A bad command line: the CLI prints the message and exits with code 2. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export { defaultDataDir } from './store/location.js';

/** Where the database lived by default before: `./data` of the directory a server started in. */
export const OLD_DEFAULT_DATA_DIR = 'data';

const parseAuth = (value: string): AuthMode => {
  const v = value.trim().toLowerCase();
  if (!(AUTH_MODES as readonly string[]).includes(v)) throw new ConfigError(`--auth must be ${AUTH_MODES.join(' or ')}, got "${value}"`);
  return v as AuthMode;
};

const truthy = (v: string | undefined): boolean => v !== undefined && /^(1|true|yes|on)$/i.test(v);

const parseName = (schema: z.ZodType<string>, flag: string, value: string | undefined): string | undefined => {
  if (value === undefined) return undefined;
  const r = schema.safeParse(value);
  if (!r.success) throw new ConfigError(`--${flag}: ${r.error.issues[0]?.message ?? 'invalid value'}`);
  return r.data;
};

const parseInteger = (flag: string, value: string, min: number, max: number): number => {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(`--${flag} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return Number(value);
};

const isRunCommand = (c: string): c is RunCommand => Object.hasOwn(COMMANDS, c);
/** `unknown command "servve": did you mean "serve"? Use one of …` */
const unknownCommand = (word: string): string => `unknown command "${word}"${didYouMean(word, TOP_COMMAND_NAMES, `use one of ${commandList()}`)} (see agent-boss help)`;
const setupTargetList = Object.keys(SETUP_TARGETS)
  .map((t) => `"agent-boss setup ${t}"`)
  .join(' or ');

/**
 * The hub's token: `--token`, else `--token-file`, else BOSS_TOKEN, else BOSS_TOKEN_FILE. A file holds
 * the token on its first line (the rest, and surrounding blanks, are ignored).
 */
function tokenOf(
  flags: Record<string, string | boolean | undefined>,
  env: NodeJS.ProcessEnv,
  cwd: string,
): { token?: string; tokenFrom: 'flag' | 'env' | 'file'; tokenFile?: string } {
  const flagToken = typeof flags.token === 'string' ? flags.token : undefined;
  const flagFile = typeof flags['token-file'] === 'string' ? flags['token-file'] : undefined;
  if (flagToken !== undefined && flagFile !== undefined) throw new ConfigError('give --token or --token-file, not both');
  if (flagToken !== undefined) return { token: flagToken, tokenFrom: 'flag' };
  const file = flagFile ?? (env.BOSS_TOKEN ? undefined : env.BOSS_TOKEN_FILE || undefined);
  if (file === undefined) return env.BOSS_TOKEN ? { token: env.BOSS_TOKEN, tokenFrom: 'env' } : { tokenFrom: 'env' };
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read the token file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const token = text.trim().split(/\r?\n/)[0]?.trim() ?? '';
  if (token === '') throw new ConfigError(`the token file ${path} is empty: write the token (16+ characters) on its first line`);
  return { token, tokenFrom: 'file', tokenFile: path };
}

/**
 * Reads the command line and environment into a Config. Throws ConfigError for bad input,
 * including a flag that does not apply to the command. `cwd` is where a relative --data-dir is
 * resolved and where the old default `./data` is looked for.
 */
export function resolveConfig(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string = process.cwd()): Config {
  const options = Object.fromEntries(
    Object.entries(OPTIONS as Record<string, OptionSpec>).map(([name, o]) => [name, { type: o.boolean ? ('boolean' as const) : ('string' as const), multiple: o.multiple === true }]),
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
    // Suggest among the flags of the command being run, and point to its help.
    const cmd = argv.find((a) => !a.startsWith('-'));
    const own = cmd !== undefined && isRunCommand(cmd);
    const flags = Object.entries(OPTIONS as Record<string, OptionSpec>)
      .filter(([, o]) => !own || o.commands.includes(cmd))
      .map(([name]) => name);
    throw new ConfigError(argErrorMessage(err, [...flags, 'help'], own ? `agent-boss help ${cmd}` : 'agent-boss help'));
  }
  const { values, positionals } = parsed;
  const lists = values as Record<string, string[] | string | boolean | undefined>;
  const flags = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Array.isArray(v) ? v.at(-1) : v])) as Record<string, string | boolean | undefined>;
  const first = positionals[0];

  const base = (command: Command): Config => ({
    command,
    dataDir: defaultDataDir(env),
    dbPath: join(defaultDataDir(env), 'boss.db'),
    dataDirFrom: 'default',
    hostName: hostname(),
    port: 8899,
    host: '127.0.0.1',
    allowedHosts: [],
    readOnly: false,
    auth: 'none',
    logLevel: 'info',
    allowSkipPermissions: false,
    serverName: 'agent-boss',
    write: false,
    projectDir: cwd,
  });

  if (first === 'help' || (first === undefined && flags.help)) {
    // `help hook`, `help token` and `help setup hooks` are answered by the CLI before this.
    const topic = first === 'help' ? positionals[1] : undefined;
    if (topic !== undefined && topic !== 'help' && !isRunCommand(topic)) throw new ConfigError(unknownCommand(topic));
    const extra = topic === 'setup' && ['claude', 'codex', 'gemini'].includes(positionals[2] ?? '') ? 3 : 2;
    if (positionals.length > extra) throw new ConfigError(`unexpected argument "${positionals[extra]}" (see agent-boss help${topic ? ` ${topic}` : ''})`);
    return { ...base('help'), ...(topic !== undefined && topic !== 'help' && { helpFor: topic }) };
  }
  if (first === undefined && flags.version) return base('version');
  if (first === undefined) throw new ConfigError(`missing command: use one of ${commandList()} (see agent-boss help)`);
  if (!isRunCommand(first)) throw new ConfigError(unknownCommand(first));
  const command = first;
  if (flags.help) return { ...base('help'), helpFor: command };
  if (flags.version) throw new ConfigError(`--version does not apply to "${command}": run "agent-boss --version"`);

  let setupTarget: Config['setupTarget'];
  if (command === 'setup') {
    const target = positionals[1];
    if (target === undefined) throw new ConfigError(`setup needs a target: ${setupTargetList} (see agent-boss help setup)`);
    // `setup hooks` is dispatched by the CLI before this; here only as the second word of a longer line.
    if (target === 'hooks') throw new ConfigError('write "hooks" right after "setup": agent-boss setup hooks [options] (see agent-boss help setup hooks)');
    if (target !== 'claude' && target !== 'codex' && target !== 'gemini') {
      throw new ConfigError(`unknown setup target "${target}"${didYouMean(target, Object.keys(SETUP_TARGETS), `use ${setupTargetList}`)} (see agent-boss help setup)`);
    }
    setupTarget = target;
    if (positionals.length > 2) throw new ConfigError(`unexpected argument "${positionals[2]}"`);
  } else if (positionals.length > 1) {
    throw new ConfigError(`unexpected argument "${positionals[1]}" (see agent-boss help ${command})`);
  }

  for (const [name, o] of Object.entries(OPTIONS as Record<string, OptionSpec>)) {
    if (flags[name] !== undefined && !o.commands.includes(command)) {
      const where = o.commands.map((c) => `"${c}"`).join(' and ');
      throw new ConfigError(`--${name} does not apply to "${command}" (only to ${where}); see agent-boss help ${command}`);
    }
  }

  /** A flag, else its environment variable (only for options of this command), else the default. */
  const get = (name: OptionName): string | undefined => {
    const o: OptionSpec = OPTIONS[name];
    const flag = flags[name];
    if (typeof flag === 'string') return flag;
    if (flag === true) return 'true';
    if (o.env !== undefined && o.commands.includes(command)) {
      const fromEnv = env[o.env];
      if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    }
    return o.default;
  };

  const config = base(command);
  if (setupTarget !== undefined) config.setupTarget = setupTarget;

  const dirFlag = flags['data-dir'];
  const dirEnv = env.BOSS_DATA_DIR;
  if (typeof dirFlag === 'string') {
    if (dirFlag === '') throw new ConfigError('--data-dir must not be empty');
    config.dataDir = resolve(cwd, dirFlag);
    config.dataDirFrom = 'flag';
  } else if (dirEnv !== undefined && dirEnv !== '') {
    config.dataDir = resolve(cwd, dirEnv);
    config.dataDirFrom = 'env';
  }
  config.dbPath = join(config.dataDir, 'boss.db');
  if (config.dataDirFrom === 'default' && command !== 'setup') {
    const old = join(resolve(cwd, OLD_DEFAULT_DATA_DIR), 'boss.db');
    if (old !== config.dbPath && existsSync(old)) config.oldDefaultDb = old;
  }

  const logLevel = get('log-level')!;
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) {
    throw new ConfigError(`--log-level must be debug, info, warn or error, got "${logLevel}"`);
  }
  config.logLevel = logLevel as LogLevel;
  const tmuxSocket = get('tmux-socket');
  if (tmuxSocket !== undefined && !/^[A-Za-z0-9_.-]{1,100}$/.test(tmuxSocket)) {
    throw new ConfigError(`--tmux-socket must be a socket name (letters, digits, "_", "." or "-"), got "${tmuxSocket}"`);
  }
  const { token, tokenFrom, tokenFile } = tokenOf(flags, command === 'serve' ? env : {}, cwd);
  if (token !== undefined && token.length < 16) throw new ConfigError(`${tokenFrom === 'file' ? `the token in ${tokenFile}` : '--token'} must be at least 16 characters`);

  config.port = parseInteger('port', get('port') ?? '8899', 0, 65535);
  config.host = get('host') ?? '127.0.0.1';
  config.allowedHosts = (get('allowed-hosts') ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  config.readOnly = truthy(get('read-only'));
  config.auth = parseAuth(get('auth') ?? 'none');
  config.allowSkipPermissions = truthy(get('allow-skip-permissions'));
  const space = parseName(spaceName, 'space', get('space'));
  const agent = parseName(agentName, 'agent', get('agent'));
  if (tmuxSocket !== undefined) config.tmuxSocket = tmuxSocket;
  if (space !== undefined) config.space = space;
  if (agent !== undefined) config.agent = agent;
  if (token !== undefined) {
    config.token = token;
    config.tokenFrom = tokenFrom;
    if (tokenFile !== undefined) config.tokenFile = tokenFile;
  }
  const store = get('store');
  if (store !== undefined && (!isPostgresUrl(store) || !URL.canParse(store))) throw new ConfigError(`--store must be a PostgreSQL URL: ${STORE_URL_FORM}`);
  if (store !== undefined) Object.assign(config, { storeUrl: store, storeFrom: typeof flags.store === 'string' ? 'flag' : 'env' });
  else if ((OPTIONS.store.commands as readonly string[]).includes(command)) storeOfDataDir(config);
  const hostName = get('host-name');
  if (hostName !== undefined && !/^[A-Za-z0-9_.-]{1,100}$/.test(hostName)) throw new ConfigError(`--host-name must be 1-100 letters, digits, "_", "." or "-", got "${hostName}"`);
  if (hostName !== undefined) config.hostName = hostName;
  const submitDelay = get('submit-delay-ms');
  if (submitDelay !== undefined) config.submitDelayMs = parseInteger('submit-delay-ms', submitDelay, 0, 10_000);

  if (command === 'serve') config.notify = notifyConfig(lists, env, config.readOnly);
  if (command === 'setup') {
    const hub = get('hub');
    if (hub !== undefined) {
      let url: URL;
      try {
        url = new URL(hub);
      } catch {
        throw new ConfigError(`--hub must be the hub's URL, e.g. http://127.0.0.1:8899, got "${hub}"`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`--hub must be an http:// or https:// URL, got "${hub}"`);
      config.hub = hub.replace(/\/+$/, '').replace(/\/mcp$/, '');
    }
    const name = get('name')!;
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new ConfigError(`--name must be 1-64 letters, digits, "_" or "-", got "${name}"`);
    config.serverName = name;
    const tokenEnv = get('token-env');
    if (tokenEnv !== undefined) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(tokenEnv)) throw new ConfigError(`--token-env must be an environment variable name, got "${tokenEnv}"`);
      if (config.hub === undefined) throw new ConfigError('--token-env applies only with --hub (a stdio server needs no token)');
      config.tokenEnv = tokenEnv;
    }
    const dir = get('dir');
    if (dir !== undefined) config.projectDir = resolve(cwd, dir);
    config.write = truthy(get('write'));
    if (config.hub !== undefined && (typeof flags['tmux-socket'] === 'string' || config.dataDirFrom === 'flag')) {
      throw new ConfigError('--tmux-socket and --data-dir apply only to a stdio server: with --hub the hub uses its own');
    }
  }
  return config;
}

/**
 * One line for a failure to open the database or its directory at startup: what went wrong, the
 * path, and the fix (instead of a stack trace). Undefined for anything that is not such a failure.
 */
export function describeStartupError(err: unknown, config: Pick<Config, 'dataDir' | 'dbPath'>): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const otherDir = 'or pass another --data-dir DIR (or BOSS_DATA_DIR)';
  if (err.name === 'DatabaseTooNewError' || err.name === 'StoreUnavailableError') return err.message;
  // PostgreSQL's own refusal (wrong password, no such database, no permission): its sentence and code.
  if (typeof (err as { severity?: unknown }).severity === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    return `the PostgreSQL store refused: ${err.message} (${code}); check the --store / BOSS_STORE URL (user, password, database) and the user's rights`;
  }
  if (err.name === 'StoreDamagedError') {
    return /not a database/.test(err.message)
      ? `${config.dbPath} is not an agent-boss database (file is not a database): move it away, ${otherDir}`
      : `${err.message} Or pass another --data-dir DIR (or BOSS_DATA_DIR).`;
  }
  if (err.name === 'SqliteError' || code.startsWith('SQLITE_')) {
    const why =
      code === 'SQLITE_CANTOPEN'
        ? `cannot open ${config.dbPath}: check that ${config.dataDir} exists and is writable by this user, ${otherDir}`
        : code.startsWith('SQLITE_READONLY')
          ? `${config.dbPath} is read-only for this user: fix its permissions (and those of ${config.dataDir}, which holds the -wal and -shm files), ${otherDir}`
          : code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')
            ? `${config.dbPath} is not an agent-boss database (${err.message}): move it away, ${otherDir}`
            : code.startsWith('SQLITE_FULL')
              ? `the disk holding ${config.dbPath} is full: free some space, ${otherDir}`
              : `database ${config.dbPath}: ${err.message} (${code}); check the file and its directory, ${otherDir}`;
    return why;
  }
  const path = (err as NodeJS.ErrnoException).path ?? config.dataDir;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `permission denied on ${path}: make ${config.dataDir} writable by this user, ${otherDir}`;
    case 'EROFS':
      return `${path} is on a read-only file system: ${otherDir}`;
    case 'ENOTDIR':
    case 'EEXIST':
      return `${path} is a file, not a directory: move it away, ${otherDir}`;
    case 'ENOSPC':
      return `no space left for ${path}: free some space, ${otherDir}`;
    case 'ENOENT':
      // The parent exists (prepareDataDir checked), yet the file system has no place for it (/proc, /sys).
      return `cannot create ${path}: this file system does not allow a directory there; pass another --data-dir DIR (or BOSS_DATA_DIR)`;
    default:
      return undefined;
  }
}

/** The PostgreSQL store the data directory names in store.url (store-file.ts), when no flag or BOSS_STORE does. */
function storeOfDataDir(config: Config): void {
  let url: string | undefined;
  try {
    url = readStoreFile(config.dataDir);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  if (url !== undefined) Object.assign(config, { storeUrl: url, storeFrom: 'file' });
}
