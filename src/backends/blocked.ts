/**
 * Why an agent cannot go on: the model API refused its requests and the agent program gave up.
 * One classifier for the screen's "API Error: …" report and the StopFailure hook's `error` (an
 * error kind such as "rate_limit" / "authentication_failed" / "server_error", or a message). Pure.
 */
export type BlockedReason = 'rate_limit' | 'overloaded' | 'server_error' | 'auth';
export const BLOCKED_REASONS = ['rate_limit', 'overloaded', 'server_error', 'auth'] as const satisfies readonly BlockedReason[];

/** The reason an API error names, or undefined when it names none of them (a bad request, a cut answer). */
export function blockedReasonOf(error: string): BlockedReason | undefined {
  if (/\b429\b|rate[ _-]?limit|usage limit|too many requests/iu.test(error)) return 'rate_limit';
  if (/\b529\b|overloaded/iu.test(error)) return 'overloaded';
  if (/\b40[13]\b|authentication|unauthori[sz]ed|invalid api key|api[ _-]?key|\/login|oauth|billing|credit balance|permission_error/iu.test(error)) return 'auth';
  if (/\b5\d\d\b|server[ _-]?error|api_error|internal error|timed? ?out|connection error/iu.test(error)) return 'server_error';
  return undefined;
}
