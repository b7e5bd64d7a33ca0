import { accessSync, constants, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Config } from './config.js';
import { shellDoubleQuote, shellQuote } from './backends/shell-quote.js';
import { JsonEditError, mergeMcpServer } from './json-edit.js';
import { SettingsFileError, updateSettingsFile } from './settings-file.js';

/**
 * `agent-boss setup claude`: the Claude Code MCP configuration for this machine, as a `claude mcp
 * add` line and as a `.mcp.json` entry, for a stdio server bound to an agent or for HTTP to a hub.
 */

export interface ClaudeSetup {
  /** The `claude mcp add …` command line. */
  addLine: string;
  /** The entry under `mcpServers.<name>` in `.mcp.json`. */
  entry: Record<string, unknown>;
  /** How the stdio server is started: `agent-boss` on PATH, or node and this install's cli.js. */
  command?: string[];
  /** Notes for the reader (printed as comments). */
  notes: string[];
}

export interface SetupEnv {
  env: NodeJS.ProcessEnv;
  /** The running cli.js (process.argv[1]). */
  cliPath: string;
  /** The running node (process.execPath). */
  nodePath: string;
}

const real = (p: string): string => {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
};

/** `agent-boss` as found on PATH, when it is this very install; else undefined. */
export function agentBossOnPath(env: NodeJS.ProcessEnv, cliPath: string): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'agent-boss');
    try {
      accessSync(candidate, constants.X_OK);
    } catch {
      continue;
    }
    return real(candidate) === real(cliPath) ? candidate : undefined;
  }
  return undefined;
}

export function claudeSetup(config: Config, where: SetupEnv): ClaudeSetup {
  const notes: string[] = [];
  const name = config.serverName;
  if (config.hub !== undefined) {
    const url = `${config.hub}/mcp`;
    const headers: Record<string, string> = {};
    if (config.agent !== undefined) headers['X-Agent-Name'] = config.agent;
    if (config.space !== undefined) headers['X-Agent-Space'] = config.space;
    if (config.tokenEnv !== undefined) headers.Authorization = `Bearer \${${config.tokenEnv}}`;
    const headerFlags = Object.entries(headers).map(([k, v]) =>
      // The add line lets the shell expand $VAR now; .mcp.json keeps ${VAR} for Claude Code to expand.
      ` --header ${k === 'Authorization' ? `"Authorization: Bearer $${config.tokenEnv}"` : shellDoubleQuote(`${k}: ${v}`)}`,
    );
    if (config.agent === undefined) notes.push('No --agent: this connection acts as the operator (it may steer every agent).');
    if (config.tokenEnv !== undefined) {
      notes.push(`The add line stores the value of $${config.tokenEnv} in Claude Code's config; .mcp.json keeps \${${config.tokenEnv}}, which Claude Code reads from its environment.`);
    }
    return {
      addLine: `claude mcp add --transport http ${shellQuote(name)} ${shellQuote(url)}${headerFlags.join('')}`,
      entry: { type: 'http', url, ...(Object.keys(headers).length > 0 && { headers }) },
      notes,
    };
  }
  const onPath = agentBossOnPath(where.env, where.cliPath);
  const command = onPath !== undefined ? ['agent-boss'] : [where.nodePath, real(where.cliPath)];
  if (onPath === undefined) {
    notes.push('agent-boss is not on PATH, so this uses this install\'s absolute path. To put it on PATH: "npm install -g ." in the clone.');
  }
  const args = ['stdio'];
  if (config.space !== undefined) args.push('--space', config.space);
  if (config.agent !== undefined) args.push('--agent', config.agent);
  if (config.dataDirFrom !== 'default') args.push('--data-dir', config.dataDir);
  if (config.tmuxSocket !== undefined) args.push('--tmux-socket', config.tmuxSocket);
  if (config.agent === undefined) notes.push('No --agent: this server acts as the operator (it may steer every agent).');
  return {
    addLine: `claude mcp add ${shellQuote(name)} -- ${[...command, ...args].map(shellQuote).join(' ')}`,
    entry: { type: 'stdio', command: command[0], args: [...command.slice(1), ...args], env: {} },
    command,
    notes,
  };
}

/** Runs `agent-boss setup claude`: prints the configuration to stdout; with --write merges .mcp.json. Returns the exit code. */
export function runSetupClaude(config: Config, where: SetupEnv, out: (s: string) => void, err: (s: string) => void): number {
  const setup = claudeSetup(config, where);
  const file = join(config.projectDir, '.mcp.json');
  const who =
    config.hub !== undefined
      ? `HTTP to the hub at ${config.hub}${config.agent ? ` as agent "${config.agent}"` : ''}`
      : `a stdio server${config.agent ? ` bound to agent "${config.agent}"` : ''}${config.space ? ` in space "${config.space}"` : ''}, database ${config.dbPath}`;
  if (!config.write) {
    const lines = [`# Claude Code MCP configuration: ${who}`, '', '# Either add it for this project directory (stored in ~/.claude.json):', setup.addLine, ''];
    lines.push(`# or put it in ${file} (shared with everyone who opens the project; --write merges it):`);
    lines.push(JSON.stringify({ mcpServers: { [config.serverName]: setup.entry } }, null, 2), '');
    for (const n of setup.notes) lines.push(`# ${n}`);
    lines.push('# Then check it: claude mcp list   (shows the server as connected)', '');
    out(lines.join('\n'));
    return 0;
  }

  let merged;
  try {
    ({ result: merged } = updateSettingsFile(file, (before) => {
      const m = mergeMcpServer(before, config.serverName, setup.entry);
      return { text: m.outcome === 'unchanged' ? undefined : m.text, result: m };
    }));
  } catch (e) {
    if (e instanceof SettingsFileError) err(`agent-boss: ${file} was not changed: ${e.message}\n`);
    else if (e instanceof JsonEditError) err(`agent-boss: ${file} was not changed: ${e.message}. Fix the file (it must be a JSON object) or pass --dir for another project.\n`);
    else throw e;
    return 1;
  }
  const kept = merged.others > 0 ? `; kept ${merged.others} other server${merged.others === 1 ? '' : 's'} unchanged` : '';
  const what = {
    created: `created ${file} with server "${config.serverName}"`,
    added: `added server "${config.serverName}" to ${file}${kept}`,
    replaced: `updated server "${config.serverName}" in ${file}${kept}`,
    unchanged: `${file} already has this server "${config.serverName}"; nothing changed`,
  }[merged.outcome];
  // After --write: what was written where, and only that (the alternatives are for the printing form).
  const approve = join(config.projectDir, '.claude', 'settings.local.json');
  err(
    [
      `agent-boss: ${what} (${who}).`,
      ...setup.notes,
      `Claude Code asks once to approve a project's .mcp.json servers when it starts in ${config.projectDir} (until then claude mcp list shows it "Pending approval");`,
      `to approve it ahead, add "${config.serverName}" to enabledMcpjsonServers in ${approve}. Then check it: claude mcp list`,
      '',
    ].join('\n'),
  );
  return 0;
}
