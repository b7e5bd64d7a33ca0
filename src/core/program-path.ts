import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { shellQuote } from '../backends/shell-quote.js';

/**
 * Finding an agent's program when spawn_agent is asked, not when the session's shell runs it: a
 * login shell may set a PATH that lost the directories the agent program or `agent-boss` live in (a version
 * manager's bin, npm's global prefix), so the spawn names the program by its absolute path and hands
 * the spawning process's PATH to the program (whose own MCP servers, such as `agent-boss stdio`, are
 * then found too).
 */

/** The absolute path of the executable `name` on `path` (a PATH value), or undefined. */
export function findOnPath(name: string, path: string | undefined): string | undefined {
  if (!path || name.includes('/')) return undefined;
  for (const dir of path.split(delimiter)) {
    if (!dir.startsWith('/')) continue; // a relative PATH entry depends on the shell's directory
    const file = join(dir, name);
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not there, or not executable: the next directory
    }
  }
  return undefined;
}

/** A leading bare program name (no quotes, slash, assignment or shell syntax) and the rest of the line. */
const LEADING_PROGRAM = /^(\s*)([A-Za-z0-9_][A-Za-z0-9_.+-]*)(?=\s|$)/;

/**
 * `command` with its program replaced by the absolute path found on `path` (`codex --x` →
 * `'/home/u/.local/bin/codex' --x`); unchanged when the program is given with a path, is not found
 * (the shell's own lookup then reports it), or the line does not start with a plain program name.
 */
export function withAbsoluteProgram(command: string, path: string | undefined): string {
  const m = LEADING_PROGRAM.exec(command);
  if (!m) return command;
  const found = findOnPath(m[2]!, path);
  return found === undefined ? command : `${m[1]}${shellQuote(found)}${command.slice(m[0].length)}`;
}
