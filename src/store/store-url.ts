/**
 * PostgreSQL store URLs, without loading the driver: recognising one, and the form every message,
 * log line and /healthz shows (the password replaced by `***`).
 */

/** `postgres://` or `postgresql://`: a store URL rather than a directory. */
export const isPostgresUrl = (spec: string | undefined): spec is string => spec !== undefined && /^postgres(ql)?:\/\//i.test(spec);

/** How a store URL is written, for the message refusing a bad one. */
export const STORE_URL_FORM =
  'postgres://user:password@host:5432/database (percent-encode special characters); without --store the SQLite file in --data-dir is used';

/** The URL with its password (and any password parameter) replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const k of [...u.searchParams.keys()]) if (/pass/i.test(k)) u.searchParams.set(k, '***');
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

/** Where the data lives, as messages show it: the SQLite file, or the PostgreSQL URL without its password. */
export const storeLabel = (config: { dbPath: string; storeUrl?: string | undefined }): string => (config.storeUrl !== undefined ? redactUrl(config.storeUrl) : config.dbPath);
