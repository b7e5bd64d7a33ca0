import { databaseErrorCode } from '../store/store.js';
import { fromStoreError, isDomainError, type DomainError } from './errors.js';

/**
 * How every face answers something thrown, written once: a failure the caller can fix is a
 * DomainError, answered as it is (MCP `isError`, HTTP 4xx/503); anything else is a bug, logged with
 * its stack and answered with a generic sentence (MCP `isError`, HTTP 500) that leaks nothing.
 */
export type Failure = { domain: DomainError } | { domain?: undefined; log: string; message: string };

export function explainFailure(thrown: unknown, where: string, storePath: string): Failure {
  const err = fromStoreError(thrown);
  if (isDomainError(err)) return { domain: err };
  const stack = err instanceof Error ? (err.stack ?? err.message) : String(err);
  const code = databaseErrorCode(err);
  if (code !== undefined) {
    return {
      log: `${where}: database ${storePath}: ${stack}`,
      message: `The database ${storePath} failed (${code}: ${(err as Error).message}). Nothing was done; the operator must check that file and its directory (disk space, permissions).`,
    };
  }
  return {
    log: `${where} failed: ${stack}`,
    message: `internal error in ${where}: the server logged the details. Try again; if it persists, report it to the operator.`,
  };
}
