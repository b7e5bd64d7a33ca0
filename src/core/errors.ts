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
  | 'backend_failed';

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
};

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }
}

export const isDomainError = (err: unknown): err is DomainError => err instanceof DomainError;
