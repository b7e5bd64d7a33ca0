import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { LATEST_VERSION, pgMigrations } from './pg-migrations.js';
import { redactUrl } from './store-url.js';
import { DatabaseTooNewError, StoreUnavailableError, type StoreHealth } from './store.js';

/**
 * One PostgreSQL database shared by the hubs of a team: a connection pool, the one rule for its
 * failures, transactions and the migrations. Every PostgreSQL store (agents, hooks, tokens) runs its
 * statements through one `PgDatabase`.
 *
 * Failures: a connection that cannot be made or is lost (server down, restarted, unreachable,
 * refusing connections) is `StoreUnavailableError` (HTTP 503 / `isError`, retry later); the
 * transaction was rolled back, so nothing was half-written. A serialization failure or deadlock is
 * retried a few times. Anything else is passed on as it is (a bug).
 */

export type PgClient = pg.PoolClient;

export { isPostgresUrl, redactUrl } from './store-url.js';

/** bigint columns (ids, milliseconds) as JavaScript numbers: every value we store fits in 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** Error codes and messages that mean the server cannot be used right now. */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOENT', '57P01', '57P02', '57P03', '53300', '53400']);
export function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = String((err as { code?: unknown }).code ?? '');
  if (UNAVAILABLE_CODES.has(code) || code.startsWith('08')) return true;
  return /Connection terminated|timeout exceeded when trying to connect|connection timeout|Client has encountered a connection error|Cannot use a pool after calling end/i.test(err.message);
}
const isRetryable = (err: unknown): boolean => ['40001', '40P01'].includes(String((err as { code?: unknown })?.code ?? ''));

export interface PgDatabaseOptions {
  /** Pool size (default 10). */
  max?: number;
  /** Give up connecting after this long (default 5 s). */
  connectTimeoutMs?: number;
}

export class PgDatabase {
  readonly pool: pg.Pool;
  /** The URL without its password. */
  readonly where: string;
  private closed = false;
  /** The listening connections (listen), ended by close. */
  private readonly listeners = new Set<() => Promise<void>>();

  constructor(
    private readonly url: string,
    opts: PgDatabaseOptions = {},
  ) {
    this.where = redactUrl(url);
    this.pool = new pg.Pool({
      connectionString: url,
      max: opts.max ?? 10,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 5_000,
      idleTimeoutMillis: 30_000,
      application_name: 'agent-boss',
      types,
    });
    // A connection whose server went away (idle in the pool, or checked out between two statements):
    // its pending or next query fails with the unavailable error, and the pool replaces it.
    this.pool.on('error', () => {});
    this.pool.on('connect', (client) => client.on('error', () => {}));
  }

  /** Opens the pool and applies pending migrations (refusing a database newer than the code). */
  static async open(url: string, opts: PgDatabaseOptions = {}): Promise<PgDatabase> {
    const db = new PgDatabase(url, opts);
    try {
      await db.migrate();
    } catch (err) {
      await db.close();
      throw err;
    }
    return db;
  }

  /** One statement outside a transaction (a read, or a write that is one statement). */
  async query<R extends pg.QueryResultRow = Record<string, unknown>>(what: string, text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    return this.run(what, () => this.pool.query<R>(text, values));
  }

  /** Runs `fn` in one transaction on one connection: committed when it returns, rolled back when it throws. */
  async tx<T>(what: string, fn: (c: PgClient) => Promise<T>): Promise<T> {
    return this.run(what, async () => {
      const c = await this.pool.connect();
      let broken: Error | undefined;
      try {
        await c.query('BEGIN');
        const result = await fn(c);
        await c.query('COMMIT');
        return result;
      } catch (err) {
        try {
          await c.query('ROLLBACK');
        } catch (e) {
          broken = e as Error;
        }
        throw err;
      } finally {
        c.release(broken);
      }
    });
  }

  /**
   * Calls `onMessage` with the payload of each NOTIFY on `channel`, over one connection kept for
   * listening (reconnected after a failure, a second later). Returns a function that stops it.
   * Delivery is a wake-up, not a guarantee: callers keep polling, slower, as the fallback.
   */
  listen(channel: string, onMessage: (payload: string) => void): () => Promise<void> {
    let client: pg.Client | undefined;
    let stopped = false;
    let retry: NodeJS.Timeout | undefined;
    const connect = async () => {
      if (stopped || this.closed) return;
      const c = new pg.Client({ connectionString: this.url, application_name: 'agent-boss listen', connectionTimeoutMillis: 5_000 });
      c.on('error', () => undefined);
      c.on('end', () => {
        if (!stopped) retry = setTimeout(() => void connect(), 1_000);
      });
      c.on('notification', (m) => m.channel === channel && onMessage(m.payload ?? ''));
      try {
        await c.connect();
        await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
        client = c;
        if (stopped) await c.end();
      } catch {
        await c.end().catch(() => undefined);
      }
    };
    void connect();
    const stop = async () => {
      stopped = true;
      clearTimeout(retry);
      this.listeners.delete(stop);
      await client?.end().catch(() => undefined);
    };
    this.listeners.add(stop);
    return stop;
  }

  /** Whether the server answers (a trivial query within 3 s). */
  async health(): Promise<StoreHealth> {
    if (this.closed) return { ok: false, detail: 'the store is closed' };
    try {
      await Promise.race([this.pool.query('SELECT 1'), sleep(3_000).then(() => Promise.reject(new Error('no answer within 3 s')))]);
      return { ok: true, detail: 'ok' };
    } catch (err) {
      return { ok: false, detail: `unavailable: ${this.where}: ${this.scrub((err as Error).message)}` };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.listeners].map((stop) => stop()));
    await this.pool.end();
  }

  /** Applies pending migrations, each in its own transaction under an advisory lock (hubs starting at once serialise). */
  async migrate(): Promise<void> {
    await this.run('apply the schema migrations', async () => {
      const c = await this.pool.connect();
      try {
        await c.query(`CREATE TABLE IF NOT EXISTS schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)`).catch((err: unknown) => {
          // Two hubs creating it at once: one wins, the other sees a duplicate.
          if (!['23505', '42P07'].includes(String((err as { code?: unknown }).code))) throw err;
        });
        for (const m of pgMigrations) {
          await c.query('BEGIN');
          try {
            await c.query('SELECT pg_advisory_xact_lock(7100, 0)');
            const found = await versionOf(c);
            if (found > LATEST_VERSION) throw new DatabaseTooNewError(this.where, found, LATEST_VERSION);
            if (found < m.version) {
              await c.query(m.sql);
              await c.query(`INSERT INTO schema_version (id, version) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET version = excluded.version`, [m.version]);
            }
            await c.query('COMMIT');
          } catch (err) {
            await c.query('ROLLBACK').catch(() => {});
            throw err;
          }
        }
        const found = await versionOf(c);
        if (found > LATEST_VERSION) throw new DatabaseTooNewError(this.where, found, LATEST_VERSION);
      } finally {
        c.release();
      }
    });
  }

  /** The schema version the database is at (0: empty). */
  async version(): Promise<number> {
    return this.run('read the schema version', async () => {
      const c = await this.pool.connect();
      try {
        return await versionOf(c);
      } finally {
        c.release();
      }
    });
  }

  /** The one failure rule: unavailable → StoreUnavailableError; serialization failure → retried. */
  private async run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreUnavailableError(this.where, what, 'the store is closed');
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (isUnavailable(err)) throw new StoreUnavailableError(this.where, what, this.scrub((err as Error).message));
        if (isRetryable(err) && attempt < 5) {
          await sleep(5 * 2 ** attempt * (0.5 + Math.random()));
          continue;
        }
        throw err;
      }
    }
  }

  /** A driver message with the URL's password taken out, should the driver ever quote it. */
  private scrub(message: string): string {
    let password = '';
    try {
      password = decodeURIComponent(new URL(this.url).password);
    } catch {
      /* unparsable: nothing to scrub */
    }
    return password ? message.split(password).join('***') : message;
  }
}

async function versionOf(c: PgClient): Promise<number> {
  const r = await c.query<{ version: number }>(`SELECT version FROM schema_version WHERE id = 1`).catch((err: unknown) => {
    if (String((err as { code?: unknown }).code) === '42P01') return { rows: [] as { version: number }[] };
    throw err;
  });
  return r.rows[0]?.version ?? 0;
}
