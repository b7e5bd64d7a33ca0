import { DEFAULT_SPACE } from './core/identity.js';
import { ConfigError, resolveConfig } from './config.js';
import { SqliteAgentTokens } from './store/agent-tokens.js';
import { openDatabase } from './store/db.js';

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

Options: --data-dir DIR [BOSS_DATA_DIR] must be the hub's. --space defaults to "default".
A hub started with --auth agents honours X-Agent-Name only with that agent's token.
`;

interface Io {
  out(text: string): void;
  err(text: string): void;
}

export async function runTokenCommand(argv: readonly string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const [action, ...rest] = argv;
  if (action === undefined || action === '--help' || action === '-h' || action === 'help') {
    io.out(TOKEN_HELP);
    return action === undefined ? 2 : 0;
  }
  if (!['issue', 'list', 'revoke'].includes(action)) {
    io.err(`agent-boss: unknown token action "${action}": use issue, list or revoke (see agent-boss token --help)\n`);
    return 2;
  }
  let id: number | undefined;
  let flags = rest;
  if (action === 'revoke' && rest[0] !== undefined && !rest[0].startsWith('-')) {
    if (!/^\d{1,15}$/.test(rest[0])) {
      io.err(`agent-boss: token revoke: "${rest[0]}" is not a token id (a number from "agent-boss token list")\n`);
      return 2;
    }
    id = Number(rest[0]);
    flags = rest.slice(1);
  }
  let config;
  try {
    // The shared options (--data-dir, --space, --agent) are parsed exactly as for the servers.
    config = resolveConfig(['stdio', ...flags], env);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`agent-boss: token ${action}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const space = config.space ?? DEFAULT_SPACE;
  if ((action === 'issue' || (action === 'revoke' && id === undefined)) && config.agent === undefined) {
    io.err(`agent-boss: token ${action}: --agent NAME is required${action === 'revoke' ? ' (or a token id)' : ''}\n`);
    return 2;
  }
  if (action === 'revoke' && id !== undefined && (config.agent !== undefined || config.space !== undefined)) {
    io.err('agent-boss: token revoke: give either a token id or --agent/--space, not both\n');
    return 2;
  }

  const db = openDatabase(config.dbPath);
  try {
    const tokens = new SqliteAgentTokens(db);
    if (action === 'issue') {
      const { token, info } = await tokens.issue(space, config.agent!);
      const known = db
        .prepare(`SELECT 1 FROM agents a JOIN spaces s ON s.id = a.space_id WHERE s.name_key = ? AND a.name_key = ?`)
        .get(space.toLowerCase(), config.agent!.toLowerCase());
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
    db.close();
  }
}
