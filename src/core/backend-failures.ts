import { isBackendError, type BackendError } from '../backends/errors.js';
import type { AgentRecord } from '../store/store.js';
import { DomainError } from './errors.js';

/** What the core knows about a backend call, for the sentence a failure becomes. */
export interface BackendCallContext {
  agent?: AgentRecord;
  sessionId?: string;
  /** What the call was doing, e.g. "starting the session" (named in failures the caller cannot fix). */
  doing?: string;
}

/**
 * Runs a backend call, giving its BackendErrors as DomainErrors (one sentence per code, written
 * here only; the backend's own message says what happened, this adds whom and the next step).
 */
export async function backendCall<T>(ctx: BackendCallContext, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isBackendError(err)) throw backendFailure(err, ctx);
    throw err;
  }
}

export function backendFailure(err: BackendError, ctx: BackendCallContext): DomainError {
  const who = ctx.agent ? `agent "${ctx.agent.name}"${ctx.sessionId ? ` (session "${ctx.sessionId}")` : ''}` : undefined;
  switch (err.code) {
    case 'unavailable':
      return new DomainError('backend_unavailable', `${err.message}. Install it, or check the server's --tmux-socket.`);
    case 'no_server':
      return new DomainError(
        'backend_unavailable',
        `${err.message}. Check the server's --tmux-socket: it must name the tmux server the agents run on (tmux -L NAME; none = your default server).`,
      );
    case 'session_missing':
      return new DomainError(
        'session_missing',
        who
          ? `The session of ${who} no longer exists. Restart the agent and register its new session (register_session), or check list_liveness.`
          : err.message,
      );
    case 'pane_dead':
      return new DomainError(
        'session_dead',
        `The session of ${who ?? `"${ctx.sessionId}"`} is dead: the agent's program has exited, so nothing was sent. Restart the agent in it (tmux respawn-pane -k -t "=${ctx.sessionId}:"), or start a new session and register it (register_session).`,
      );
    case 'program_exited':
      return new DomainError(
        'session_dead',
        `${err.message} Start ${ctx.agent ? `agent "${ctx.agent.name}"` : 'the agent'} again (spawn_agent), or, to type commands into that shell, register the session with agent_kind "shell".`,
      );
    case 'no_pending_approval':
      return new DomainError(
        'no_pending_approval',
        `No pending approval for ${who ?? 'this session'}: its screen shows no permission prompt. Call list_liveness to see which agents need approval.`,
      );
    case 'prompt_mismatch':
      // The backend's sentence already says that nothing was sent and to check again.
      return new DomainError('prompt_mismatch', `${err.message} Call list_liveness to see it.`);
    case 'option_unavailable':
      // The backend's sentence lists the options the dialog offers.
      return new DomainError('validation', err.message);
    case 'bad_work_dir':
      return new DomainError('validation', `work_dir: ${err.message}`);
    case 'invalid_session_id':
      return new DomainError('validation', err.message);
    case 'session_exists':
      return new DomainError('conflict', `${err.message} (stop_agent ends an agent's session; or spawn under another agent name).`);
    default:
      return new DomainError('backend_failed', `${ctx.doing ? `${ctx.doing}: ` : ''}${err.message.replace(/\.+$/, '')}${who ? ` (${who})` : ''}.`);
  }
}
