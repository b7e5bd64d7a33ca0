/**
 * `agent-boss setup hooks [--kind KIND]`: prints the hook entries of an agent program (default
 * Claude Code) that run `agent-boss hook` for every event agent-boss reads, and with `--write`
 * merges them into that program's settings file of a project (default: the current directory) or,
 * with `--user`, the user's (the program's hook dialect says where: AgentHooks.settings). The
 * merge only adds (see settings-merge.ts): the user's own settings and hooks keep every byte, and
 * running it again changes nothing.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { AgentHooksCatalog, HookSettings } from '../core/hook-state.js';
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
  /** The hook dialects of the agent programs (the CLI passes src/agents/hooks.ts) and the kind used without --kind. */
  programs: AgentHooksCatalog;
  defaultKind: string;
}

const USAGE = `Usage: agent-boss setup hooks [--kind KIND] [--write] [--user | --project DIR] [--data-dir DIR | --url URL]
                             [--bin COMMAND]

Prints the hook entries of an agent program that report every agent event to agent-boss; with
--write, merges them into that program's settings of the project (default: the current directory)
or, with --user, into your own. Your own settings and hooks are kept as they are; running it again
changes nothing.

  --kind KIND      The program: claude-code (default: .claude/settings.json, ~/.claude/settings.json),
                   codex (.codex/hooks.json, $CODEX_HOME/hooks.json), gemini (.gemini/settings.json,
                   ~/.gemini/settings.json)
  --write          Merge into the settings file instead of printing
  --user           The user settings instead of the project's
  --project DIR    The project whose settings to change (default: current directory)
  --data-dir DIR   Database the hook writes to (default: BOSS_DATA_DIR, else the per-user default
                   ~/.local/state/agent-boss, as the servers use), made absolute
  --url URL        Send events to this hub instead (the hook reads the token from BOSS_TOKEN)
  --bin COMMAND    How to run agent-boss (default: this Node and this install's cli.js by absolute
                   path, so the hooks work whatever PATH the agent's shell has), e.g. agent-boss
                   to look it up on PATH, or "npx agent-boss-mcp"
`;

const OPTIONS = {
  kind: { type: 'string' },
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


/** The hook entry per event of a program's settings for this command line. */
export function hookEntries(settings: HookSettings, command: string): Record<string, HookEntry> {
  return Object.fromEntries(
    settings.events.map((event) => [
      event,
      { ...(settings.toolEvents.has(event) && { matcher: '*' }), hooks: [{ type: 'command' as const, command, timeout: settings.timeout }] },
    ]),
  );
}

/** The user's settings file of a program: under its own home variable when set, else under HOME. */
function userFile(settings: HookSettings, env: NodeJS.ProcessEnv): string | undefined {
  const own = settings.homeVariable !== undefined ? env[settings.homeVariable.name] : undefined;
  if (own) return join(own, settings.homeVariable!.file);
  return env.HOME ? join(env.HOME, settings.userFile) : undefined;
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
  const kind = values.kind ?? io.defaultKind;
  const program = io.programs.hooks(kind);
  if (!program) {
    io.stderr.write(`agent-boss setup hooks: --kind "${kind}": agent-boss reads no hooks of that program; kinds with hooks: ${io.programs.kinds().join(', ')}\n`);
    return 2;
  }
  const { settings } = program;
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
    // The programs run hooks in the project directory: a relative data dir would point elsewhere.
    target = `--data-dir ${shellQuote(resolve(io.cwd, dir))}`;
  }
  const bin = values.bin ?? defaultHookProgram(io) ?? 'agent-boss';
  const command = `${bin} hook${kind === io.defaultKind ? '' : ` --kind ${kind}`} ${target}`;
  const pathNote =
    values.bin === undefined && bin !== 'agent-boss'
      ? `The hooks run this install by absolute path (${bin}), so they work whatever PATH the agent's shell has; ` +
        'after moving the install or its Node, edit the commands (or remove them and run this again), or pass --bin agent-boss to look it up on PATH.\n'
      : '';
  const entries = hookEntries(settings, command);
  const note = settings.note ? `${settings.note}\n` : '';

  if (!values.write) {
    io.stdout.write(`${JSON.stringify({ hooks: Object.fromEntries(Object.entries(entries).map(([e, v]) => [e, [v]])) }, null, 2)}\n`);
    io.stderr.write(`${pathNote}Add these to ${settings.projectFile}, or run again with --write (--user for your own settings).\n${note}`);
    return 0;
  }

  let file: string;
  if (values.user) {
    const found = userFile(settings, io.env);
    if (!found) {
      io.stderr.write('agent-boss setup hooks: HOME is not set, so the user settings cannot be found; use --project DIR\n');
      return 2;
    }
    file = found;
  } else {
    const project = resolve(io.cwd, values.project ?? '.');
    if (!existsSync(project) || !statSync(project).isDirectory()) {
      io.stderr.write(`agent-boss setup hooks: project directory ${project} does not exist\n`);
      return 2;
    }
    file = join(project, settings.projectFile);
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
    if (note) io.stderr.write(note);
    return 0;
  }
  io.stdout.write(`Added agent-boss hooks for ${merged.added.length} events to ${written === file ? file : `${file} (a link to ${written})`}: ${merged.added.join(', ')}.\n`);
  if (pathNote) io.stderr.write(pathNote);
  if (note) io.stderr.write(note);
  return 0;
}
