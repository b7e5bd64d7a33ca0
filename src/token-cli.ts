import { DEFAULT_SPACE } from './core/identity.js';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { argErrorMessage, didYouMean } from './cli-suggest.js';
import { ConfigError, describeStartupError, prepareDataDir, resolveConfig } from './config.js';
import { TOKEN_ACTIONS } from './config-options.js';
import { openStores, type Stores } from './runtime.js';

/**
 * `agent-boss token issue|list|revoke`: manages the agent tokens a hub started with
 * `--auth agents` accepts. Works on the database directly (`--data-dir`, as the hub), so the hub
 * need not be running; a token issued or revoked here takes effect on the hub's next request.
 * The token itself goes to stdout once, everything else to stderr.
 */
export const TOKEN_HELP = `Usage:
  agent-boss token issue --agent NAME [--space SPACE]    Issue a token for an agent (printed once)
  agent-boss token list [--agent NAME] [--space SPACE]   List active tokens (never the tokens themselves)
  agent-boss token revoke ID                             Revoke one token (ID from "token list")
  agent-boss token revoke --agent NAME [--space SPACE]   Revoke every token of an agent

Options: --data-dir DIR [BOSS_DATA_DIR] must be the hub's (with a PostgreSQL store, BOSS_STORE instead).
--space defaults to "default".
A hub started with --auth agents honours X-Agent-Name only with that agent's token.
`;

interface Io {
  out(text: string): void;
  err(text: string): void;
}

const OPTIONS = {
  agent: { type: 'string' },
  space: { type: 'string' },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function runTokenCommand(argv: readonly string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const [action, ...rest] = argv;
  if (action === undefined || action === '--help' || action === '-h' || action === 'help') {
    io.out(TOKEN_HELP);
    return action === undefined ? 2 : 0;
  }
  if (!(TOKEN_ACTIONS as readonly string[]).includes(action)) {
    io.err(`agent-boss: unknown token action "${action}"${didYouMean(action, TOKEN_ACTIONS, `use ${TOKEN_ACTIONS.join(', ')}`)} (see agent-boss help token)\n`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: [...rest], options: OPTIONS, strict: true, allowPositionals: true });
  } catch (err) {
    io.err(`agent-boss: token ${action}: ${argErrorMessage(err, Object.keys(OPTIONS), 'agent-boss help token')}\n`);
    return 2;
  }
  if (parsed.values.help) {
    io.out(TOKEN_HELP);
    return 0;
  }
  const { positionals, values } = parsed;
  let id: number | undefined;
  if (action === 'revoke' && positionals[0] !== undefined) {
    if (!/^\d{1,15}$/.test(positionals[0])) {
      io.err(`agent-boss: token revoke: "${positionals[0]}" is not a token id (a number from "agent-boss token list")\n`);
      return 2;
    }
    id = Number(positionals[0]);
  }
  const extra = positionals[action === 'revoke' ? 1 : 0];
  if (extra !== undefined) {
    io.err(`agent-boss: token ${action}: unexpected argument "${extra}" (see agent-boss help token)\n`);
    return 2;
  }
  let config;
  try {
    // --data-dir, --space and --agent are read exactly as for the servers (with BOSS_DATA_DIR, BOSS_SPACE, BOSS_AGENT).
    const shared = Object.entries(values).flatMap(([k, v]) => (typeof v === 'string' ? [`--${k}`, v] : []));
    config = resolveConfig(['stdio', ...shared], env);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`agent-boss: token ${action}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const space = config.space ?? DEFAULT_SPACE;
  if ((action === 'issue' || (action === 'revoke' && id === undefined)) && config.agent === undefined) {
    io.err(`agent-boss: token ${action}: --agent NAME is required${action === 'revoke' ? ' (or a token id)' : ''} (see agent-boss help token)\n`);
    return 2;
  }
  if (action === 'revoke' && id !== undefined && (config.agent !== undefined || config.space !== undefined)) {
    io.err('agent-boss: token revoke: give either a token id or --agent/--space, not both\n');
    return 2;
  }

  // Only issue creates a database, the way the servers do (directory readable by this user only);
  // listing or revoking in a database that does not exist means the wrong --data-dir.
  let created = false;
  if (config.storeUrl === undefined && !existsSync(config.dbPath)) {
    if (action !== 'issue') {
      io.err(
        `agent-boss: token ${action}: there is no database at ${config.dbPath}: pass the hub's --data-dir DIR (or BOSS_DATA_DIR; ` +
          '"agent-boss serve" prints its database when it starts), or issue a token first (agent-boss token issue --agent NAME)\n',
      );
      return 1;
    }
    created = true;
  }
  let stores: Stores;
  try {
    if (config.storeUrl === undefined) prepareDataDir(config);
    stores = await openStores(config);
  } catch (err) {
    const line = describeStartupError(err, config);
    if (line === undefined) throw err;
    io.err(`agent-boss: token ${action}: ${line}\n`);
    return 1;
  }
  if (created) io.err(`created a new database ${config.dbPath} (a hub must be started with the same --data-dir to accept this token)\n`);
  try {
    const { tokens } = stores;
    if (action === 'issue') {
      const { token, info } = await tokens.issue(space, config.agent!);
      const known = await stores.store.getAgent(space, config.agent!);
      io.err(
        `issued token ${info.id} for agent "${info.agent}" in space "${info.space}"${known ? '' : ' (not registered yet)'}; it is shown once:\n`,
      );
      io.out(`${token}\n`);
      return 0;
    }
    if (action === 'list') {
      const rows = await tokens.list({ ...(config.space !== undefined && { space }), ...(config.agent !== undefined && { agent: config.agent }) });
      if (rows.length === 0) {
        io.err('no active agent tokens\n');
        return 0;
      }
      io.out(`${'ID'.padEnd(6)}${'SPACE'.padEnd(20)}${'AGENT'.padEnd(20)}${'TOKEN'.padEnd(14)}CREATED\n`);
      for (const r of rows) io.out(`${String(r.id).padEnd(6)}${r.space.padEnd(20)}${r.agent.padEnd(20)}${`${r.hint}…`.padEnd(14)}${r.created_at}\n`);
      return 0;
    }
    if (id !== undefined) {
      if (!(await tokens.revoke(id))) {
        io.err(`agent-boss: token revoke: no active token has id ${id} (see agent-boss token list)\n`);
        return 1;
      }
      io.err(`revoked token ${id}\n`);
      return 0;
    }
    const n = await tokens.revokeAgent(space, config.agent!);
    if (n === 0) {
      io.err(`agent-boss: token revoke: agent "${config.agent}" in space "${space}" has no active token\n`);
      return 1;
    }
    io.err(`revoked ${n} token${n === 1 ? '' : 's'} of agent "${config.agent}" in space "${space}"\n`);
    return 0;
  } finally {
    await stores.store.close();
  }
}
