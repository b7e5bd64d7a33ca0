/**
 * register_session without agent_kind, for a new agent: which agent program runs in the session,
 * as its backend guesses it (the pane's foreground program, the screen). A positively recognised
 * program other than the backend's default kind is stored, with a sentence saying so for the
 * register_session answer; a shell or REPL in the foreground with no agent program on the screen
 * is the kind "shell". Otherwise the default kind stands, silently. spawn_agent does not guess: the
 * session it just made shows the shell its program is being started from.
 */
import type { SessionBackend } from '../backends/session-backend.js';

export async function guessKind(backend: SessionBackend, sessionId: string): Promise<{ kind?: string; note: string } | undefined> {
  const guess = await backend.guessAgentKind?.(sessionId).catch(() => undefined);
  if (!guess || guess.kind === backend.agentKind) return undefined;
  return { kind: guess.kind, note: `agent_kind: guessed ${guess.kind}, as ${guess.why}; pass agent_kind to choose another.` };
}
