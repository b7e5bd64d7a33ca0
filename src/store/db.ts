import BetterSqlite3, { type Database } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { hasLegacyTables, importLegacyRows, setAsideLegacyTables } from './migrations/000-legacy-import.js';
import { LATEST_VERSION, migrations } from './migrations/index.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseTooNewError, StoreBusyError, StoreDamagedError } from './store.js';

export { DatabaseTooNewError } from './store.js';

/**
 * How long SQLite itself waits for another process's lock before answering SQLITE_BUSY. SQLite
 * waits by sleeping the calling thread, which in Node is the only one: so only a few milliseconds
 * here, and the store retries a busy write asynchronously (see SqliteStore) until its deadline.
 */
export const BUSY_TIMEOUT_MS = 5;
/** Opening (WAL switch, migrations) is synchronous and happens before serving: bounded by this. */
const OPEN_DEADLINE_MS = 10_000;

export interface OpenOptions {
  /** SQLite busy_timeout (default BUSY_TIMEOUT_MS). */
  busyTimeoutMs?: number;
  /** How long a busy open keeps retrying (default 10 s). A process that must never wait (the hook command) passes 0. */
  openDeadlineMs?: number;
  /** Run quick_check before anything else (default true). The hook command, which must finish within a hook's time limit, skips it: a damaged file then fails its write. */
  integrityCheck?: boolean;
}

/**
 * Opens (creating when needed) the SQLite file shared by every server process. Before anything is
 * changed, it refuses a database from a newer agent-boss and a damaged one (quick_check). Then WAL
 * (readers never wait for the writer), NORMAL sync (no committed transaction is lost when a process
 * crashes; only an OS crash can drop the last ones), foreign keys on, then the migrations.
 */
export function openDatabase(path: string, opts: OpenOptions = {}): Database {
  // Readable by this user only, as the CLI creates it (config.ts prepareDataDir, which runs first).
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new BetterSqlite3(path);
  const deadlineMs = opts.openDeadlineMs ?? OPEN_DEADLINE_MS;
  try {
    db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? BUSY_TIMEOUT_MS}`);
    const found = retryBusySync(() => schemaVersion(db), deadlineMs);
    if (found > LATEST_VERSION) throw new DatabaseTooNewError(path, found, LATEST_VERSION);
    const problem = opts.integrityCheck === false ? undefined : retryBusySync(() => quickCheck(db), deadlineMs);
    if (problem !== undefined) throw new StoreDamagedError(path, problem);
    // A database already in WAL mode needs no write here (a process that must not wait skips it).
    if (db.pragma('journal_mode', { simple: true }) !== 'wal') retryBusySync(() => db.pragma('journal_mode = WAL'), deadlineMs);
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, path, deadlineMs);
  } catch (err) {
    db.close();
    if (isDamage(err)) throw new StoreDamagedError(path, (err as Error).message);
    throw err;
  }
  return db;
}

export const schemaVersion = (db: Database): number => db.pragma('user_version', { simple: true }) as number;

/** SQLite's quick_check: undefined when the file is sound, else the first problems it found. */
export function quickCheck(db: Database): string | undefined {
  try {
    const rows = db.pragma('quick_check(3)', { simple: false }) as { quick_check: string }[];
    const lines = rows.map((r) => r.quick_check);
    return lines.length === 1 && lines[0] === 'ok' ? undefined : lines.join('; ');
  } catch (err) {
    if (isDamage(err)) return (err as Error).message;
    throw err;
  }
}

/**
 * Applies pending migrations, each in its own IMMEDIATE transaction (so two processes opening a new
 * file at once serialise, and the loser sees the version the winner wrote).
 */
export function migrate(db: Database, path = 'database', deadlineMs = OPEN_DEADLINE_MS): void {
  const current = schemaVersion(db);
  if (current > LATEST_VERSION) throw new DatabaseTooNewError(path, current, LATEST_VERSION);
  for (const m of migrations) {
    if (m.version <= current) continue;
    retryBusySync(() =>
      db
        .transaction(() => {
          const now = schemaVersion(db);
          if (now > LATEST_VERSION) throw new DatabaseTooNewError(path, now, LATEST_VERSION);
          if (now >= m.version) return; // another process got there first
          const legacy = m.version === 1 && hasLegacyTables(db);
          if (legacy) setAsideLegacyTables(db);
          m.up(db);
          if (legacy) importLegacyRows(db, Date.now());
          db.pragma(`user_version = ${m.version}`);
        })
        .immediate(),
      deadlineMs,
    );
  }
}

const codeOf = (err: unknown): string =>
  typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';

export const isBusy = (err: unknown): boolean => /^SQLITE_BUSY|^SQLITE_LOCKED/.test(codeOf(err));
/** The file is not a sound SQLite database (damaged pages, or not a database at all). */
export const isDamage = (err: unknown): boolean => /^SQLITE_CORRUPT|^SQLITE_NOTADB/.test(codeOf(err));

/**
 * For opening only (before the server serves anything): retries a busy database, sleeping the
 * thread between attempts, up to OPEN_DEADLINE_MS. Nothing that runs while serving uses this.
 */
function retryBusySync<T>(fn: () => T, deadlineMs: number = OPEN_DEADLINE_MS): T {
  const deadline = Date.now() + deadlineMs;
  for (let i = 1; ; i++) {
    try {
      return fn();
    } catch (err) {
      if (!isBusy(err) || Date.now() >= deadline) throw err;
      sleepSync(Math.min(5 * i, 100));
    }
  }
}

const sleepBuffer = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleepBuffer, 0, 0, ms);
}

/** How long a write keeps retrying while another process holds the database before it gives up. */
export const WRITE_TIMEOUT_MS = 5_000;

/** Damage a store met on a database (the first detail), shared by every store over that connection. */
const damageSeen = new WeakMap<Database, string>();

/** Remembers that `db` is damaged: from now on every store over it refuses writes. */
export function markDamaged(db: Database, detail: string): void {
  if (!damageSeen.has(db)) damageSeen.set(db, detail);
}

/** The damage seen on `db`, if any. */
export const damageOf = (db: Database): string | undefined => damageSeen.get(db);

export interface GuardOptions {
  /** A write: refused (StoreDamagedError) once the database has shown damage. */
  write: boolean;
  /** At most this many attempts while busy (default: until the deadline). */
  attempts?: number;
  /** Give up after this long busy (default WRITE_TIMEOUT_MS). */
  deadlineMs?: number;
  /** The file named in messages (default: the database's own file name). */
  path?: string;
}

/**
 * The one busy-retry and damage rule of every store while serving (SqliteStore, the hook tables):
 * runs `fn`, and while another process holds the database retries it after an asynchronous pause
 * (2 ms doubling to 50 ms, with jitter; the event loop keeps serving) up to the attempts or the
 * deadline, then fails with StoreBusyError having written nothing. A damaged page fails with
 * StoreDamagedError and marks the database, after which every write on it is refused.
 */
export async function guarded<T>(db: Database, what: string, fn: () => T | Promise<T>, opts: GuardOptions): Promise<T> {
  const path = opts.path ?? db.name;
  const seen = damageSeen.get(db);
  if (opts.write && seen !== undefined) throw new StoreDamagedError(path, seen);
  const deadline = opts.deadlineMs ?? WRITE_TIMEOUT_MS;
  const attempts = opts.attempts ?? Number.POSITIVE_INFINITY;
  const started = Date.now();
  for (let i = 0; ; i++) {
    try {
      return await (opts.write ? exclusively(db, fn) : fn());
    } catch (err) {
      if (isDamage(err)) {
        markDamaged(db, (err as Error).message);
        throw new StoreDamagedError(path, (err as Error).message);
      }
      if (!isBusy(err)) throw err;
      const waited = Date.now() - started;
      if (i + 1 >= attempts || waited >= deadline) throw new StoreBusyError(what, waited);
      const pause = Math.min(2 * 2 ** i, 50) * (0.5 + Math.random());
      await sleep(Math.min(pause, deadline - waited + 1));
    }
  }
}

/** Per connection: whether a write runs, and the writes waiting for it (in call order). */
interface Gate {
  busy: boolean;
  waiting: (() => void)[];
}
const gates = new WeakMap<Database, Gate>();

/**
 * Runs the writes of this process on `db` one at a time. A write is synchronous and cannot overlap
 * another, except a transaction that awaits its own statements (`inTransaction`, the hook tables):
 * while it is open, another write on the same connection would land inside it. A free gate runs
 * `fn` at once (synchronously); otherwise it runs when the writes before it are done.
 */
export function exclusively<T>(db: Database, fn: () => T | Promise<T>): T | Promise<T> {
  let gate = gates.get(db);
  if (!gate) gates.set(db, (gate = { busy: false, waiting: [] }));
  const g = gate;
  const release = () => {
    const next = g.waiting.shift();
    if (next) next();
    else g.busy = false;
  };
  const run = (): T | Promise<T> => {
    let r: T | Promise<T>;
    try {
      r = fn();
    } catch (err) {
      release();
      throw err;
    }
    if (r instanceof Promise) return r.finally(release);
    release();
    return r;
  };
  if (!g.busy) {
    g.busy = true;
    return run();
  }
  return new Promise<void>((resolve) => g.waiting.push(resolve)).then(run);
}

/**
 * `fn` in one IMMEDIATE transaction whose statements are awaited (the hook tables' `transact`):
 * committed when it resolves, rolled back when it throws. Call it inside a guarded write, which keeps
 * this process's other writes out until it ends.
 */
export async function inTransaction<T>(db: Database, fn: () => Promise<T>): Promise<T> {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = await fn();
    db.exec('COMMIT');
    return result;
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw err;
  }
}
