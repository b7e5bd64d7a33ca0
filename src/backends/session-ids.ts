/** Session ids every backend accepts, and which agent a session name belongs to. */
import { BackendError } from './errors.js';

export const MAX_SESSION_ID_LENGTH = 100;
const AGENTDECK_PATTERN = /^agentdeck_(.+)_[^_]*$/;
/** C0 and C1 controls, DEL, and the Unicode line/paragraph separators: none may be in a session id. */
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * What is wrong with a session id, if anything: the one rule every face checks (the tools' schema,
 * the backends, the hook process registering its tmux session).
 */
export function sessionIdProblem(id: string): string | undefined {
  if (typeof id !== 'string' || id.length === 0) return 'must not be empty';
  if (id.length > MAX_SESSION_ID_LENGTH) return `must be at most ${MAX_SESSION_ID_LENGTH} characters`;
  if (CONTROL_CHARS.test(id)) return 'must not contain control characters';
  return undefined;
}

export const validSessionId = (id: string): boolean => sessionIdProblem(id) === undefined;

export const invalidIdSentence = (id: string): string =>
  `Session id ${JSON.stringify(id)} is not valid: use 1 to ${MAX_SESSION_ID_LENGTH} characters without control characters.`;

export function checkSessionId(id: string): void {
  if (!validSessionId(id)) throw new BackendError(invalidIdSentence(id), 'invalid_session_id');
}

/**
 * The agent a session belongs to: told explicitly (trackSession), `agentdeck_<agent>_<suffix>`, or
 * `<space>-<agent>` for a session this server created without naming its agent (split at the first
 * "-", which guesses wrong when the space name holds a "-": pass `agent` to createSession).
 */
export function agentOf(name: string, tracked: ReadonlyMap<string, string | undefined>): string | undefined {
  const told = tracked.get(name);
  if (told) return told;
  const deck = AGENTDECK_PATTERN.exec(name);
  if (deck?.[1]) return deck[1];
  if (tracked.has(name)) {
    const dash = name.indexOf('-');
    if (dash > 0 && dash < name.length - 1) return name.slice(dash + 1);
  }
  return undefined;
}
