import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * The per-user directory of the database every agent-boss process shares by default (XDG Base
 * Directory): `$XDG_STATE_HOME/agent-boss`, else `~/.local/state/agent-boss`. No dependencies, so
 * the hook command can use it without loading the rest.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_STATE_HOME;
  // The XDG spec says a relative value is invalid and must be ignored.
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.local', 'state');
  return join(base, 'agent-boss');
}
