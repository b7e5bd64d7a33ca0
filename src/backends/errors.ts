/**
 * Failures a backend reports that the caller can act on. The core turns them into sentences for
 * the agent or operator; anything else a backend throws is a bug.
 */
export class BackendError extends Error {
  constructor(
    message: string,
    readonly code:
      | 'unavailable'
      | 'no_server'
      | 'session_missing'
      | 'pane_dead'
      | 'program_exited'
      | 'session_exists'
      | 'no_pending_approval'
      | 'prompt_mismatch'
      | 'option_unavailable'
      | 'bad_work_dir'
      | 'invalid_session_id'
      | 'command_failed',
  ) {
    super(message);
    this.name = 'BackendError';
  }
}

export const isBackendError = (err: unknown): err is BackendError => err instanceof BackendError;

/** An agent names an agent program (`agent_kind`) its backend cannot drive. */
export class UnknownAgentKindError extends Error {
  constructor(
    readonly requested: string,
    readonly known: readonly string[],
  ) {
    super(`Unknown agent kind "${requested}". Known kinds: ${known.length ? known.join(', ') : '(none)'}.`);
    this.name = 'UnknownAgentKindError';
  }
}
