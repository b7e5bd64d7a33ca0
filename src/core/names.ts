/**
 * The one rule for agent and space names, shared by every face: the tool and route schemas
 * (src/core/schemas.ts), the hook command and the hub's hook route (src/core/hooks.ts), the CLI.
 * Zod-free, so the hook command can load it.
 */
import { nameKey, RESERVED_NAMES } from './identity.js';

/**
 * Characters that act on a terminal instead of printing: C0 controls (ESC starts a sequence that
 * moves the cursor or rewrites the screen, BEL rings, CR returns to the start of the line, NUL),
 * DEL, C1 controls (U+009B is an 8-bit CSI) and the Unicode line and paragraph separators.
 */
export const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Longest agent or space name. */
export const MAX_NAME = 100;

/** Why `name` cannot be a name (`what`: "agent name", "space name", …), or undefined. */
export function nameProblem(what: string, name: string): string | undefined {
  if (name === '') return `${what} must not be empty`;
  if (name.length > MAX_NAME) return `${what} must be at most ${MAX_NAME} characters`;
  if (CONTROL_CHARS.test(name)) return `${what} must not contain control characters`;
  if (name.trim() !== name) return `${what} must not start or end with spaces`;
  // "." and ".." are path segments: URLs normalise them away, so the legacy routes could never reach them.
  if (name === '.' || name === '..') return `${what} must not be "." or ".." (they cannot appear in a URL path); choose another name`;
  return undefined;
}

/** Why `name` cannot be registered as an agent: the name rule, and the names the legacy routes use as path words. */
export function agentNameProblem(name: string): string | undefined {
  return nameProblem('agent name', name) ?? (RESERVED_NAMES.has(nameKey(name)) ? `agent name "${name}" is reserved; choose another name` : undefined);
}
