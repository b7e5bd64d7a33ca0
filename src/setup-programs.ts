import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import type { Config } from './config.js';
import { JsonEditError, mergeMcpServer } from './json-edit.js';
import { claudeSetup, type SetupEnv } from './setup-claude.js';
import { SettingsFileError, updateSettingsFile } from './settings-file.js';

/**
 * `agent-boss setup codex` and `agent-boss setup gemini`: the MCP server entry bound to an agent
 * (a stdio server, or HTTP to a hub with X-Agent-Name) as Codex CLI (`[mcp_servers.<name>]` in
 * `$CODEX_HOME/config.toml`) and Gemini CLI (`mcpServers.<name>` in `.gemini/settings.json` of the
 * project) read it; with --write merged into that file, every other byte of it kept.
 */

export type ProgramTarget = 'codex' | 'gemini';

/** The entry of `program` for this configuration (the same server `setup claude` configures), and notes. */
export function programEntry(program: ProgramTarget, config: Config, where: SetupEnv): { entry: Record<string, unknown>; notes: string[] } {
  const claude = claudeSetup(config, where);
  const e = claude.entry as { type: string; command?: string; args?: string[]; url?: string; headers?: Record<string, string> };
  if (e.type === 'stdio') return { entry: { command: e.command!, args: e.args! }, notes: claude.notes };
  const named = Object.fromEntries(Object.entries(e.headers ?? {}).filter(([k]) => k !== 'Authorization'));
  const hasNamed = Object.keys(named).length > 0;
  if (program === 'codex') {
    return {
      entry: { url: e.url!, ...(hasNamed && { http_headers: named }), ...(config.tokenEnv !== undefined && { bearer_token_env_var: config.tokenEnv }) },
      notes: claude.notes.filter((n) => !n.startsWith('The add line')),
    };
  }
  // Gemini expands ${VAR} in its settings from its environment.
  const headers = { ...named, ...(config.tokenEnv !== undefined && { Authorization: `Bearer \${${config.tokenEnv}}` }) };
  return { entry: { httpUrl: e.url!, ...(Object.keys(headers).length > 0 && { headers }) }, notes: claude.notes.filter((n) => !n.startsWith('The add line')) };
}

/** The file `program`'s entry is merged into. */
export function programConfigFile(program: ProgramTarget, config: Config, env: NodeJS.ProcessEnv): string {
  if (program === 'gemini') return join(config.projectDir, '.gemini', 'settings.json');
  return join(env.CODEX_HOME || join(env.HOME ?? '', '.codex'), 'config.toml');
}

/**
 * `text` (a config.toml, '' for none) with table `[mcp_servers.<name>]` set to `entry`: appended
 * when absent, its block replaced when present (the header line up to the next table that is not
 * one of its own sub-tables); the rest of the file byte for byte. The result is parsed again and
 * must hold exactly `entry` there, else JsonEditError (nothing is written).
 */
export function mergeTomlServer(text: string, name: string, entry: Record<string, unknown>): { text: string; outcome: 'created' | 'added' | 'replaced' | 'unchanged' } {
  const before = text.trim() === '' ? {} : parseOrThrow(text);
  const servers = (before.mcp_servers ?? {}) as Record<string, unknown>;
  if (typeof servers !== 'object' || servers === null || Array.isArray(servers)) throw new JsonEditError('its "mcp_servers" is not a table');
  const table = stringifyToml({ mcp_servers: { [name]: entry } }).trim();
  let out: string;
  let outcome: 'created' | 'added' | 'replaced';
  if (!(name in servers)) {
    out = text.trim() === '' ? `${table}\n` : `${text}${text.endsWith('\n') ? '' : '\n'}\n${table}\n`;
    outcome = text.trim() === '' ? 'created' : 'added';
  } else {
    if (sameData(servers[name], entry)) return { text, outcome: 'unchanged' };
    const lines = text.split('\n');
    const own = (l: string) => new RegExp(`^\\s*\\[\\s*mcp_servers\\s*\\.\\s*(?:${escape(name)}|"${escape(name)}")\\s*(?:\\]|\\.)`).test(l);
    const start = lines.findIndex(own);
    if (start < 0) throw new JsonEditError(`its [mcp_servers.${name}] is not written as a table of its own; edit it by hand`);
    let end = start + 1;
    while (end < lines.length && !(/^\s*\[/.test(lines[end]!) && !own(lines[end]!))) end++;
    out = [...lines.slice(0, start), table, '', ...lines.slice(end)].join('\n');
    outcome = 'replaced';
  }
  const after = parseOrThrow(out);
  if (!sameData((after.mcp_servers as Record<string, unknown> | undefined)?.[name], entry)) {
    throw new JsonEditError(`[mcp_servers.${name}] could not be written without changing other settings; edit it by hand`);
  }
  return { text: out, outcome };
}

/** Equal as data (smol-toml's tables have no prototype, so a strict comparison would always differ). */
const sameData = (a: unknown, b: unknown): boolean => isDeepStrictEqual(JSON.parse(JSON.stringify(a ?? null)), JSON.parse(JSON.stringify(b ?? null)));

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function parseOrThrow(text: string): Record<string, unknown> {
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (err) {
    throw new JsonEditError(`not valid TOML (${(err as Error).message.split('\n')[0]})`);
  }
}

/** Runs `agent-boss setup codex|gemini`: prints the entry; with --write merges it. Returns the exit code. */
export function runSetupProgram(program: ProgramTarget, config: Config, where: SetupEnv, out: (s: string) => void, err: (s: string) => void): number {
  const { entry, notes } = programEntry(program, config, where);
  const file = programConfigFile(program, config, where.env);
  const name = config.serverName;
  const label = program === 'codex' ? 'Codex CLI' : 'Gemini CLI';
  const who =
    config.hub !== undefined
      ? `HTTP to the hub at ${config.hub}${config.agent ? ` as agent "${config.agent}"` : ''}`
      : `a stdio server${config.agent ? ` bound to agent "${config.agent}"` : ''}${config.space ? ` in space "${config.space}"` : ''}, database ${config.dbPath}`;
  const text = program === 'codex' ? `${stringifyToml({ mcp_servers: { [name]: entry } })}\n` : `${JSON.stringify({ mcpServers: { [name]: entry } }, null, 2)}\n`;
  const check = program === 'codex' ? 'codex mcp list' : 'gemini mcp list';
  if (!config.write) {
    out([`# ${label} MCP configuration: ${who}`, `# Put this in ${file} (--write merges it):`, text, ...notes.map((n) => `# ${n}`), `# Then check it: ${check}`, ''].join('\n'));
    return 0;
  }
  let outcome: string;
  try {
    ({ result: outcome } = updateSettingsFile(file, (before) => {
      const m = program === 'codex' ? mergeTomlServer(before ?? '', name, entry) : mergeMcpServer(before, name, entry);
      return { text: m.outcome === 'unchanged' ? undefined : m.text, result: m.outcome };
    }));
  } catch (e) {
    if (e instanceof SettingsFileError || e instanceof JsonEditError) {
      err(`agent-boss: ${file} was not changed: ${e.message}.\n`);
      return 1;
    }
    throw e;
  }
  const what = { created: `created ${file} with server "${name}"`, added: `added server "${name}" to ${file}`, replaced: `updated server "${name}" in ${file}`, unchanged: `${file} already has this server "${name}"; nothing changed` }[outcome];
  const where2 =
    program === 'codex'
      ? `Every Codex session with this CODEX_HOME uses it: give each Codex agent its own CODEX_HOME when several share a machine.`
      : `Gemini reads a project's settings only in a trusted folder (or with folder trust off).`;
  err([`agent-boss: ${what} (${who}).`, ...notes, where2, `Then check it: ${check}`, ''].join('\n'));
  return 0;
}
