import { StoreBusyError, StoreDamagedError, StoreUnavailableError } from '../store/store.js';

/**
 * A failure the caller can fix. Both faces show `message` as is: an MCP tool returns it as an
 * `isError` result, an HTTP route as a 4xx JSON (or text, for legacy routes) body with `httpStatus`.
 * The message names the next step. Anything else thrown is a bug.
 */
export type DomainErrorCode =
  | 'validation'
  | 'not_found'
  | 'no_session'
  | 'session_missing'
  | 'forbidden'
  | 'conflict'
  | 'no_pending_approval'
  | 'prompt_mismatch'
  | 'backend_unavailable'
  | 'backend_failed'
  /** The session's program exited: its pane is dead (tmux kept it), or its shell prompt is back. */
  | 'session_dead'
  /** Other actions on the same session kept this one waiting too long; nothing was sent. */
  | 'session_busy'
  /** Another process holds the database; nothing was written. Retry. */
  | 'store_busy'
  /** The database server cannot be reached (PostgreSQL); nothing was written. Retry. */
  | 'store_unavailable'
  /** The database file is damaged. */
  | 'store_damaged';

const HTTP_STATUS: Record<DomainErrorCode, number> = {
  validation: 400,
  not_found: 404,
  no_session: 400,
  session_missing: 400,
  forbidden: 403,
  conflict: 409,
  no_pending_approval: 409,
  prompt_mismatch: 409,
  backend_unavailable: 503,
  backend_failed: 502,
  session_dead: 409,
  session_busy: 503,
  store_busy: 503,
  store_unavailable: 503,
  store_damaged: 503,
};

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** Set for a failure that goes away by itself: how long to wait before trying again. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }
}

export const isDomainError = (err: unknown): err is DomainError => err instanceof DomainError;

/**
 * The store's failures as the caller sees them (anything else is returned as it is). Both faces
 * use it: the core for its own store calls, the HTTP face for the few reads it makes directly.
 */
export function fromStoreError(err: unknown): unknown {
  if (err instanceof StoreBusyError) return new DomainError('store_busy', err.message, err.retryAfterSeconds);
  if (err instanceof StoreUnavailableError) return new DomainError('store_unavailable', err.message, err.retryAfterSeconds);
  if (err instanceof StoreDamagedError) return new DomainError('store_damaged', err.message);
  return err;
}
