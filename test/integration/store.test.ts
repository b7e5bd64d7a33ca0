import BetterSqlite3 from 'better-sqlite3';
import { execa } from 'execa';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseTooNewError, openDatabase, schemaVersion } from '../../src/store/db.js';
import { LATEST_VERSION, migrations } from '../../src/store/migrations/index.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { tempDir } from '../helpers/tmp.js';

// What both engines share is tested once for both in store-contract.test.ts; here, SQLite's own file.
describe('SQLite store on a real file', () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => cleanup?.());
  const dbPath = () => {
    const t = tempDir();
    cleanup = t.cleanup;
    return join(t.dir, 'nested', 'boss.db');
  };

  it('creates the file with WAL, foreign keys, a busy timeout of a few ms and the latest schema', async () => {
    const db = openDatabase(dbPath());
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    // SQLite's own busy wait blocks the thread: a few ms at most, the store retries asynchronously.
    expect(db.pragma('busy_timeout', { simple: true })).toBeLessThanOrEqual(10);
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(schemaVersion(db)).toBe(LATEST_VERSION);
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type='table' ORDER BY name`).pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['agents', 'events', 'leases', 'spaces', 'status_history']));
    db.close();
  });

  it('reopens an existing database without re-running migrations and keeps data', async () => {
    const path = dbPath();
    const a = new SqliteStore(openDatabase(path));
    await a.report('web', 'Api', { status: 'done', summary: 'shipped' });
    a.db.close();
    const b = new SqliteStore(openDatabase(path));
    expect(await b.getAgent('WEB', 'api')).toMatchObject({ space: 'web', name: 'Api', status: 'done', summary: 'shipped' });
    b.db.close();
  });

  it('refuses a database newer than the code', async () => {
    const path = dbPath();
    openDatabase(path).close();
    const raw = new BetterSqlite3(path);
    raw.pragma(`user_version = ${LATEST_VERSION + 1}`);
    raw.close();
    expect(() => openDatabase(path)).toThrow(DatabaseTooNewError);
    expect(() => openDatabase(path)).toThrow(/newer than this agent-boss/);
  });

  it('takes writes from two processes at once without losing any', async () => {
    const path = dbPath();
    openDatabase(path).close();
    const fixture = join(import.meta.dirname, '..', 'fixtures', 'store-writer.ts');
    const n = 150;
    const [a, b] = await Promise.all(
      ['alpha', 'beta'].map((name) => execa('node', ['--import', 'tsx', fixture, path, name, String(n)])),
    );
    expect(a!.stdout).toBe('ok');
    expect(b!.stdout).toBe('ok');
    const store = new SqliteStore(openDatabase(path));
    const rows = store.db.prepare(`SELECT agent, count(*) n FROM status_history GROUP BY agent ORDER BY agent`).all();
    expect(rows).toEqual([
      { agent: 'alpha', n },
      { agent: 'beta', n },
      { agent: 'common', n: 2 * n },
    ]);
    expect((await store.getAgent('shared', 'alpha'))!.summary).toBe(`alpha report ${n - 1}`);
    store.db.close();
  });
});

describe('agent kind (migration 5)', () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => cleanup?.());

  /** A database as the version before agent kinds left it: migrations 1–4, one registered agent. */
  const version4Db = (): string => {
    const t = tempDir();
    cleanup = t.cleanup;
    const path = join(t.dir, 'boss.db');
    const raw = new BetterSqlite3(path);
    for (const m of migrations.filter((x) => x.version <= 4)) m.up(raw);
    raw.pragma('user_version = 4');
    raw.exec(`
      INSERT INTO spaces (name, name_key, created_at, updated_at) VALUES ('web', 'web', 1, 1);
      INSERT INTO agents (space_id, name, name_key, status, summary, session_id, backend_type, created_at, updated_at)
        VALUES (1, 'api', 'api', 'active', 'api work', 'web-api', 'tmux', 1, 1);
    `);
    expect(raw.prepare(`SELECT name FROM pragma_table_info('agents')`).pluck().all()).not.toContain('agent_kind');
    raw.close();
    return path;
  };

  it('adds the column to an old database, keeping its agents with no kind (the default)', async () => {
    const store = new SqliteStore(openDatabase(version4Db()));
    expect(schemaVersion(store.db)).toBe(LATEST_VERSION);
    expect(store.db.prepare(`SELECT name FROM pragma_table_info('agents')`).pluck().all()).toContain('agent_kind');
    expect(await store.getAgent('web', 'api')).toMatchObject({ session_id: 'web-api', status: 'active', summary: 'api work', agent_kind: null });
    await store.close();
  });

  it('stores the kind, keeps it when registered again without one, and replaces it when one is named', async () => {
    const path = version4Db();
    const store = new SqliteStore(openDatabase(path));
    expect((await store.register('web', 'api', { agent_kind: 'claude-code' })).record).toMatchObject({ agent_kind: 'claude-code', session_id: 'web-api' });
    expect((await store.register('web', 'api', { session_id: 'web-api-2', role: 'dev' })).record).toMatchObject({ agent_kind: 'claude-code', session_id: 'web-api-2' });
    await store.report('web', 'api', { status: 'done', summary: 'shipped' });
    expect((await store.getAgent('web', 'api'))?.agent_kind).toBe('claude-code');
    const fresh = await store.register('web', 'new', { session_id: 'web-new' });
    expect(fresh.record.agent_kind).toBeNull();
    await store.close();
    // It persists in the file, and reopening does not migrate again.
    const again = new SqliteStore(openDatabase(path));
    expect((await again.getAgent('web', 'api'))?.agent_kind).toBe('claude-code');
    expect((await again.register('web', 'api', { agent_kind: 'other-program' })).record.agent_kind).toBe('other-program');
    expect((await again.listAgents('web')).map((a) => [a.name, a.agent_kind])).toEqual([
      ['api', 'other-program'],
      ['new', null],
    ]);
    await again.close();
  });
});

describe('legacy database import', () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => cleanup?.());

  /** Builds a database in the legacy coordinator's shape (GORM naming, tmux_session column). */
  const legacyDb = (path: string) => {
    const db = new BetterSqlite3(path);
    db.exec(`
      CREATE TABLE spaces (id integer PRIMARY KEY AUTOINCREMENT, created_at datetime, updated_at datetime, name text UNIQUE);
      CREATE TABLE agents (
        id integer PRIMARY KEY AUTOINCREMENT, created_at datetime, updated_at datetime, deleted_at datetime,
        space_name text, agent_name text, status text, summary text, branch text, worktree text, pr text,
        phase text, test_count integer, items text, sections text, questions text, blockers text,
        next_steps text, free_text text, documents text, tmux_session text, session_id text, backend_type text,
        repo_url text, parent text, role text, custom_note text
      );
      CREATE INDEX idx_agents_tmux ON agents(tmux_session);
      INSERT INTO spaces (created_at, updated_at, name) VALUES ('2025-01-01 10:00:00', '2025-01-01 10:00:00', 'Agent Boss');
      INSERT INTO agents (created_at, updated_at, space_name, agent_name, status, summary, items, tmux_session, session_id, backend_type, parent, role, test_count, custom_note)
        VALUES ('2025-01-01 10:00:00', '2025-01-02 10:00:00', 'Agent Boss', 'api', 'active', 'api work', '["a","b"]', 'agentdeck_api_1', NULL, 'tmux', 'boss', 'backend', 7, 'keep me');
      INSERT INTO agents (created_at, updated_at, space_name, agent_name, status, summary, tmux_session, session_id)
        VALUES ('2025-01-01 10:00:00', '2025-01-02 11:00:00', 'Agent Boss', 'web', 'done', 'web done', 'old-web', 'new-web');
      INSERT INTO agents (created_at, updated_at, space_name, agent_name, status, summary, tmux_session)
        VALUES ('2025-01-01 10:00:00', '2025-01-02 12:00:00', 'Agent Boss', 'boss', 'idle', 'managing', '');
      INSERT INTO agents (created_at, updated_at, deleted_at, space_name, agent_name, status, summary, tmux_session)
        VALUES ('2025-01-01 10:00:00', '2025-01-02 12:00:00', '2025-01-03 00:00:00', 'Agent Boss', 'removed', 'idle', 'gone', 'x');
    `);
    db.close();
  };

  it('copies tmux_session into session_id, drops the old column and keeps every row', async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const path = join(t.dir, 'boss.db');
    legacyDb(path);
    const store = new SqliteStore(openDatabase(path));
    const db = store.db;
    expect(schemaVersion(db)).toBe(LATEST_VERSION);
    const agents = await store.listAgents('agent boss');
    expect(agents.map((a) => [a.name, a.session_id])).toEqual([
      ['api', 'agentdeck_api_1'],
      ['boss', null],
      ['web', 'new-web'],
    ]);
    expect(agents[0]).toMatchObject({ space: 'Agent Boss', status: 'active', summary: 'api work', items: ['a', 'b'], parent: 'boss', role: 'backend', test_count: 7, backend_type: 'tmux' });
    expect(agents[0]!.updated_at).toBe('2025-01-02T10:00:00.000Z');
    // The legacy table is kept, every row, with tmux_session folded into session_id and dropped.
    const legacyCols = db.prepare(`SELECT name FROM pragma_table_info('legacy_agents')`).pluck().all();
    expect(legacyCols).not.toContain('tmux_session');
    expect(legacyCols).toContain('custom_note');
    const legacyRows = db.prepare(`SELECT agent_name, session_id, custom_note FROM legacy_agents ORDER BY id`).all();
    expect(legacyRows).toEqual([
      { agent_name: 'api', session_id: 'agentdeck_api_1', custom_note: 'keep me' },
      { agent_name: 'web', session_id: 'new-web', custom_note: null },
      { agent_name: 'boss', session_id: null, custom_note: null },
      { agent_name: 'removed', session_id: 'x', custom_note: null },
    ]);
    expect(db.prepare(`SELECT name FROM legacy_spaces`).pluck().all()).toEqual(['Agent Boss']);
    // New writes work on the imported data.
    await store.report('Agent Boss', 'API', { status: 'done', summary: 'finished' });
    expect(await store.getAgent('agent boss', 'api')).toMatchObject({ status: 'done', session_id: 'agentdeck_api_1', parent: 'boss' });
    db.close();
    // Reopening does not import again.
    const again = new SqliteStore(openDatabase(path));
    expect(await again.listAgents()).toHaveLength(3);
    again.db.close();
  });
});
