import BetterSqlite3, { type Database } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { hasLegacyTables, importLegacyRows, setAsideLegacyTables } from './migrations/000-legacy-import.js';
import { LATEST_VERSION, migrations } from './migrations/index.js';

export class DatabaseTooNewError extends Error {
  constructor(path: string, found: number) {
    super(
      `Database ${path} has schema version ${found}, newer than this agent-boss (knows up to ${LATEST_VERSION}). ` +
        `Upgrade agent-boss-mcp, or point --data-dir at another directory.`,
    );
    this.name = 'DatabaseTooNewError';
  }
}

/** How long a writer waits for another process's transaction before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 10_000;
const DEFAULT_BUSY_ATTEMPTS = 50;

export interface OpenOptions {
  /** SQLite busy_timeout (default 10 s). A process that must never wait (the hook command) passes a small one. */
  busyTimeoutMs?: number;
  /** How often a busy open is retried (default 50). */
  busyAttempts?: number;
}

/**
 * Opens (creating when needed) the SQLite file shared by every server process: WAL so readers never
 * block the writer, NORMAL sync (no committed transaction is lost when a process crashes; only an OS
 * crash can drop the last ones), foreign keys on, then the migrations.
 */
export function openDatabase(path: string, opts: OpenOptions = {}): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new BetterSqlite3(path);
  const attempts = opts.busyAttempts ?? DEFAULT_BUSY_ATTEMPTS;
  try {
    db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? BUSY_TIMEOUT_MS}`);
    // A database already in WAL mode needs no write here (a process that must not wait skips it).
    if (db.pragma('journal_mode', { simple: true }) !== 'wal') retryBusy(() => db.pragma('journal_mode = WAL'), attempts);
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, path, attempts);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

export const schemaVersion = (db: Database): number => db.pragma('user_version', { simple: true }) as number;

/**
 * Applies pending migrations, each in its own IMMEDIATE transaction (so two processes opening a new
 * file at once serialise, and the loser sees the version the winner wrote).
 */
export function migrate(db: Database, path = 'database', attempts = DEFAULT_BUSY_ATTEMPTS): void {
  const current = schemaVersion(db);
  if (current > LATEST_VERSION) throw new DatabaseTooNewError(path, current);
  for (const m of migrations) {
    if (m.version <= current) continue;
    retryBusy(() =>
      db
        .transaction(() => {
          const now = schemaVersion(db);
          if (now > LATEST_VERSION) throw new DatabaseTooNewError(path, now);
          if (now >= m.version) return; // another process got there first
          const legacy = m.version === 1 && hasLegacyTables(db);
          if (legacy) setAsideLegacyTables(db);
          m.up(db);
          if (legacy) importLegacyRows(db, Date.now());
          db.pragma(`user_version = ${m.version}`);
        })
        .immediate(),
      attempts,
    );
  }
}

const isBusy = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && 'code' in err && /^SQLITE_BUSY|^SQLITE_LOCKED/.test(String((err as { code: unknown }).code));

/**
 * busy_timeout already waits inside SQLite; this covers the cases where SQLite gives up at once
 * (a deferred reader upgrading to a writer, WAL recovery at open). A busy database is retried,
 * never reported to the caller as a lost write.
 */
export function retryBusy<T>(fn: () => T, attempts = 50): T {
  for (let i = 1; ; i++) {
    try {
      return fn();
    } catch (err) {
      if (!isBusy(err) || i >= attempts) throw err;
      sleepSync(Math.min(5 * i, 100));
    }
  }
}

const sleepBuffer = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleepBuffer, 0, 0, ms);
}
