import { nameKey } from '../name-key.js';
import type { Database } from 'better-sqlite3';

/**
 * Databases written by the legacy coordinator (GORM naming) have an `agents` table with a
 * `tmux_session` column and no `user_version`. Before the first migration runs, this moves the
 * legacy tables aside so that our schema can be created, then `importLegacyRows` copies their rows
 * in. The legacy table itself is kept (as `legacy_agents`) with `tmux_session` folded into
 * `session_id` and the old column dropped, so no value of any column is lost.
 */

const columnsOf = (db: Database, table: string): string[] =>
  (db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map((r) => r.name);

const tableExists = (db: Database, table: string): boolean =>
  db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table) !== undefined;

/** True when `db` (at user_version 0) holds the legacy coordinator's tables. */
export function hasLegacyTables(db: Database): boolean {
  return tableExists(db, 'agents') && columnsOf(db, 'agents').includes('tmux_session');
}

/** Renames the legacy tables out of the way and normalises the legacy agents table. */
export function setAsideLegacyTables(db: Database): void {
  const cols = columnsOf(db, 'agents');
  if (!cols.includes('session_id')) db.exec(`ALTER TABLE agents ADD COLUMN session_id TEXT`);
  db.exec(`
    UPDATE agents SET session_id = tmux_session
      WHERE (session_id IS NULL OR session_id = '') AND tmux_session IS NOT NULL AND tmux_session != '';
  `);
  // Indexes that name the old column would block DROP COLUMN.
  const indexes = db
    .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'agents' AND sql IS NOT NULL`)
    .all() as { name: string; sql: string }[];
  for (const ix of indexes) if (/tmux_session/i.test(ix.sql)) db.exec(`DROP INDEX "${ix.name.replaceAll('"', '""')}"`);
  db.exec(`ALTER TABLE agents DROP COLUMN tmux_session`);
  db.exec(`ALTER TABLE agents RENAME TO legacy_agents`);
  if (tableExists(db, 'spaces')) db.exec(`ALTER TABLE spaces RENAME TO legacy_spaces`);
}

const pick = (row: Record<string, unknown>, names: string[]): unknown => {
  for (const n of names) if (row[n] !== undefined && row[n] !== null && row[n] !== '') return row[n];
  return undefined;
};

const asText = (v: unknown): string | null => {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return String(v);
};

const asEpochMs = (v: unknown, fallback: number): number => {
  if (typeof v === 'number' && Number.isFinite(v)) return v < 1e11 ? Math.round(v * 1000) : Math.round(v);
  if (typeof v === 'string' && v) {
    // GORM writes "2006-01-02 15:04:05.999+07:00"; a time without an offset is taken as UTC.
    let s = v.trim().replace(' ', 'T');
    if (/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) s += 'Z';
    const t = Date.parse(s);
    if (Number.isFinite(t)) return t;
  }
  return fallback;
};

const JSON_FIELDS = ['items', 'sections', 'questions', 'blockers', 'documents'] as const;
const TEXT_FIELDS = ['branch', 'worktree', 'pr', 'phase', 'next_steps', 'free_text', 'backend_type', 'parent', 'role', 'repo_url'] as const;

/** Copies legacy rows into the new schema (runs inside the first migration's transaction). */
export function importLegacyRows(db: Database, now: number): number {
  if (!tableExists(db, 'legacy_agents')) return 0;
  const rows = db.prepare(`SELECT * FROM legacy_agents`).all() as Record<string, unknown>[];
  const ensureSpace = db.prepare(
    `INSERT INTO spaces (name, name_key, created_at, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT(name_key) DO UPDATE SET updated_at = excluded.updated_at RETURNING id`,
  );
  const existing = db.prepare(`SELECT id, updated_at FROM agents WHERE space_id = ? AND name_key = ?`);
  const insert = db.prepare(`
    INSERT INTO agents (space_id, name, name_key, status, summary, branch, worktree, pr, phase, test_count,
      items, sections, questions, blockers, next_steps, free_text, documents, session_id, backend_type, parent,
      role, repo_url, created_at, updated_at, reported_at)
    VALUES (@space_id, @name, @name_key, @status, @summary, @branch, @worktree, @pr, @phase, @test_count,
      @items, @sections, @questions, @blockers, @next_steps, @free_text, @documents, @session_id, @backend_type,
      @parent, @role, @repo_url, @created_at, @updated_at, @updated_at)`);
  const remove = db.prepare(`DELETE FROM agents WHERE id = ?`);
  let imported = 0;
  for (const row of rows) {
    if (row.deleted_at !== undefined && row.deleted_at !== null) continue; // GORM soft delete
    const name = asText(pick(row, ['agent_name', 'name', 'agent']));
    if (!name) continue;
    const space = asText(pick(row, ['space_name', 'space'])) ?? 'default';
    const createdAt = asEpochMs(row.created_at, now);
    const updatedAt = asEpochMs(row.updated_at, createdAt);
    const { id: spaceId } = ensureSpace.get(space, nameKey(space), now, now) as { id: number };
    const prior = existing.get(spaceId, nameKey(name)) as { id: number; updated_at: number } | undefined;
    // Duplicate names (case-insensitive) in the legacy table: the most recently updated row wins;
    // the others stay readable in legacy_agents.
    if (prior) {
      if (prior.updated_at >= updatedAt) continue;
      remove.run(prior.id);
    }
    const testCount = row.test_count;
    const rec: Record<string, unknown> = {
      space_id: spaceId,
      name,
      name_key: nameKey(name),
      status: asText(row.status) ?? 'idle',
      summary: asText(row.summary) ?? '',
      test_count: typeof testCount === 'number' ? Math.trunc(testCount) : testCount == null ? null : Number.parseInt(String(testCount), 10) || null,
      session_id: asText(row.session_id),
      created_at: createdAt,
      updated_at: updatedAt,
    };
    for (const f of TEXT_FIELDS) rec[f] = asText(row[f]);
    for (const f of JSON_FIELDS) rec[f] = asText(row[f]);
    insert.run(rec);
    imported++;
  }
  return imported;
}
