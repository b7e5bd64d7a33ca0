/** Session ids every backend accepts, and which agent a session name belongs to. */
import { BackendError } from './errors.js';

const MAX_SESSION_ID_LENGTH = 100;
const AGENTDECK_PATTERN = /^agentdeck_(.+)_[^_]*$/;

export function validSessionId(id: string): boolean {
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_SESSION_ID_LENGTH && !/[\x00-\x1f\x7f]/.test(id);
}

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
