/**
 * `agent-boss setup hooks`: prints the Claude Code hook entries that run `agent-boss hook` for
 * every event agent-boss reads, and with `--write` merges them into `.claude/settings.json` of a
 * project (default: the current directory) or, with `--user`, into `~/.claude/settings.json`.
 * The merge only adds (see settings-merge.ts): the user's own settings and hooks keep every byte,
 * and running it again changes nothing.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { HOOK_EVENTS, TOOL_EVENTS } from '../core/hook-state.js';
import { mergeHookSettings, SettingsError, type HookEntry } from './settings-merge.js';
import { SettingsFileError, updateSettingsFile } from '../settings-file.js';
import { defaultDataDir } from '../core/hooks.js';
import { argErrorMessage } from '../cli-suggest.js';
import { shellQuote } from '../backends/shell-quote.js';

export interface SetupIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The running cli.js (process.argv[1]) and node (process.execPath): the hooks run them by absolute path. */
  cliPath?: string;
  nodePath?: string;
}

/** Seconds Claude Code lets the hook run before it kills it (the hook itself gives up after 250 ms). */
const HOOK_TIMEOUT_S = 5;

const USAGE = `Usage: agent-boss setup hooks [--write] [--user | --project DIR] [--data-dir DIR | --url URL] [--bin COMMAND]

Prints the Claude Code hook entries that report every agent event to agent-boss; with --write,
merges them into .claude/settings.json of the project (default: the current directory) or, with
--user, into ~/.claude/settings.json. Your own settings and hooks are kept as they are; running it
again changes nothing.

  --write          Merge into the settings file instead of printing
  --user           The user settings (~/.claude/settings.json) instead of the project's
  --project DIR    The project whose .claude/settings.json to change (default: current directory)
  --data-dir DIR   Database the hook writes to (default: BOSS_DATA_DIR, else the per-user default
                   ~/.local/state/agent-boss, as the servers use), made absolute
  --url URL        Send events to this hub instead (the hook reads the token from BOSS_TOKEN)
  --bin COMMAND    How to run agent-boss (default: this Node and this install's cli.js by absolute
                   path, so the hooks work whatever PATH the agent's shell has), e.g. agent-boss
                   to look it up on PATH, or "npx agent-boss-mcp"
`;

const OPTIONS = {
  write: { type: 'boolean' },
  user: { type: 'boolean' },
  project: { type: 'string' },
  'data-dir': { type: 'string' },
  url: { type: 'string' },
  bin: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const real = (p: string): string => {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
};

/**
 * How the hooks run agent-boss by default: this Node and this install's cli.js, both by absolute
 * path. Claude Code runs a hook with /bin/sh and the agent's environment, whose PATH may lack npm's
 * global bin (a tmux server started before it was added, a non-login shell, nvm); `agent-boss` (and
 * the `node` its first line asks env for) would then not be found, and every event be lost.
 */
export function defaultHookProgram(io: Pick<SetupIo, 'cliPath' | 'nodePath'>): string | undefined {
  if (!io.cliPath || !io.nodePath) return undefined;
  return `${shellQuote(io.nodePath)} ${shellQuote(real(io.cliPath))}`;
}


/** The hook entry per event for this command line. */
export function hookEntries(command: string): Record<string, HookEntry> {
  return Object.fromEntries(
    HOOK_EVENTS.map((event) => [
      event,
      { ...(TOOL_EVENTS.has(event) && { matcher: '*' }), hooks: [{ type: 'command' as const, command, timeout: HOOK_TIMEOUT_S }] },
    ]),
  );
}

export async function runSetupHooks(argv: readonly string[], io: SetupIo): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: [...argv],
      options: OPTIONS,
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    io.stderr.write(`agent-boss setup hooks: ${argErrorMessage(err, Object.keys(OPTIONS), 'agent-boss help setup hooks')}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (values.user && values.project !== undefined) {
    io.stderr.write('agent-boss setup hooks: pass either --user or --project, not both\n');
    return 2;
  }
  if (values.url !== undefined && values['data-dir'] !== undefined) {
    io.stderr.write('agent-boss setup hooks: pass either --url or --data-dir, not both\n');
    return 2;
  }
  let target: string;
  if (values.url !== undefined) {
    try {
      const u = new URL(values.url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
    } catch {
      io.stderr.write(`agent-boss setup hooks: --url must be an http(s) URL such as http://127.0.0.1:8899, got "${values.url}"\n`);
      return 2;
    }
    target = `--url ${shellQuote(values.url)}`;
  } else {
    const dir = values['data-dir'] ?? (io.env.BOSS_DATA_DIR || defaultDataDir(io.env));
    // Claude Code runs hooks in the project directory: a relative data dir would point elsewhere.
    target = `--data-dir ${shellQuote(resolve(io.cwd, dir))}`;
  }
  const program = values.bin ?? defaultHookProgram(io) ?? 'agent-boss';
  const command = `${program} hook ${target}`;
  const pathNote =
    values.bin === undefined && program !== 'agent-boss'
      ? `The hooks run this install by absolute path (${program}), so they work whatever PATH the agent's shell has; ` +
        'after moving the install or its Node, edit the commands (or remove them and run this again), or pass --bin agent-boss to look it up on PATH.\n'
      : '';
  const entries = hookEntries(command);

  if (!values.write) {
    io.stdout.write(`${JSON.stringify({ hooks: Object.fromEntries(Object.entries(entries).map(([e, v]) => [e, [v]])) }, null, 2)}\n`);
    io.stderr.write(`${pathNote}Add these to .claude/settings.json, or run again with --write (--user for ~/.claude/settings.json).\n`);
    return 0;
  }

  let file: string;
  if (values.user) {
    const home = io.env.HOME;
    if (!home) {
      io.stderr.write('agent-boss setup hooks: HOME is not set, so the user settings cannot be found; use --project DIR\n');
      return 2;
    }
    file = join(home, '.claude', 'settings.json');
  } else {
    const project = resolve(io.cwd, values.project ?? '.');
    if (!existsSync(project) || !statSync(project).isDirectory()) {
      io.stderr.write(`agent-boss setup hooks: project directory ${project} does not exist\n`);
      return 2;
    }
    file = join(project, '.claude', 'settings.json');
  }

  let merged;
  let written: string;
  try {
    ({ result: merged, written } = updateSettingsFile(
      file,
      (before) => {
        const m = mergeHookSettings(before ?? '', entries);
        return { text: m.added.length > 0 ? m.text : undefined, result: m };
      },
      0o600,
    ));
  } catch (err) {
    if (err instanceof SettingsFileError) {
      io.stderr.write(`agent-boss setup hooks: ${file} was not changed: ${err.message}\n`);
      return 1;
    }
    if (err instanceof SettingsError) {
      const invalid = err.message.startsWith('not valid');
      io.stderr.write(
        `agent-boss setup hooks: ${file} is ${invalid ? err.message : `unchanged: ${err.message}`}; nothing was written.` +
          (invalid ? ' Comments and trailing commas are not supported here (the merge keeps the file as strict JSON): remove them and run this again,' : '') +
          ' or merge the entries that "agent-boss setup hooks" (without --write) prints by hand.\n',
      );
      return 1;
    }
    throw err;
  }
  for (const p of merged.present) {
    if (p.command !== command) io.stderr.write(`note: ${p.event} already runs "${p.command}" (kept; edit it by hand to change it)\n`);
  }
  if (merged.added.length === 0) {
    io.stdout.write(`${file} already has the agent-boss hooks; nothing changed.\n`);
    return 0;
  }
  io.stdout.write(`Added agent-boss hooks for ${merged.added.length} events to ${written === file ? file : `${file} (a link to ${written})`}: ${merged.added.join(', ')}.\n`);
  if (pathNote) io.stderr.write(pathNote);
  return 0;
}
