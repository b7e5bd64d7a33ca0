/**
 * register_session without agent_kind, for a new agent: which agent program runs in the session,
 * as its backend guesses it (the pane's foreground program, the screen). A positively recognised
 * program other than the backend's default kind is stored, with a sentence saying so for the
 * register_session answer. Otherwise the default kind stands, silently: also for a shell in the
 * foreground, which may be the shell the agent program is about to be started from (a plain-shell
 * agent names agent_kind "shell").
 */
import type { SessionBackend } from '../backends/session-backend.js';

export async function guessKind(backend: SessionBackend, sessionId: string): Promise<{ kind?: string; note: string } | undefined> {
  const guess = await backend.guessAgentKind?.(sessionId).catch(() => undefined);
  if (!guess || guess.kind === backend.agentKind) return undefined;
  // A shell in the foreground may be the shell the agent program is about to start from.
  if (backend.forAgentKind(guess.kind).launch?.takesIgnition === false) return undefined;
  return { kind: guess.kind, note: `agent_kind: guessed ${guess.kind}, as ${guess.why}; pass agent_kind to choose another.` };
}
