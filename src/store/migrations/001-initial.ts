import type { Migration } from './index.js';

/**
 * The first schema. Agent names are unique per space case-insensitively (`name_key` is the
 * lower-cased name) while `name` keeps the casing first seen. List-valued report fields are JSON
 * text. `status_history` is append-only: every accepted report is kept. `events` feeds the SSE
 * stream across processes (a stdio server writes, the HTTP hub reads). `leases` lets exactly one
 * process run background work such as the liveness monitor.
 */
export const initial: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE spaces (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL,
        name_key    TEXT NOT NULL UNIQUE,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE agents (
        id            INTEGER PRIMARY KEY,
        space_id      INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
        name          TEXT NOT NULL,
        name_key      TEXT NOT NULL,
        status        TEXT NOT NULL DEFAULT 'idle',
        summary       TEXT NOT NULL DEFAULT '',
        branch        TEXT,
        worktree      TEXT,
        pr            TEXT,
        phase         TEXT,
        test_count    INTEGER,
        items         TEXT,
        sections      TEXT,
        questions     TEXT,
        blockers      TEXT,
        next_steps    TEXT,
        free_text     TEXT,
        documents     TEXT,
        session_id    TEXT,
        backend_type  TEXT,
        parent        TEXT,
        role          TEXT,
        repo_url      TEXT,
        created_at    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL,
        reported_at   INTEGER,
        UNIQUE (space_id, name_key)
      ) STRICT;
      CREATE INDEX agents_session ON agents(session_id);

      CREATE TABLE status_history (
        id          INTEGER PRIMARY KEY,
        space       TEXT NOT NULL,
        agent       TEXT NOT NULL,
        status      TEXT NOT NULL,
        summary     TEXT NOT NULL,
        report      TEXT NOT NULL,
        created_at  INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX status_history_agent ON status_history(space, agent, id);

      CREATE TABLE events (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        space       TEXT,
        kind        TEXT NOT NULL,
        payload     TEXT NOT NULL,
        created_at  INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE leases (
        name        TEXT PRIMARY KEY,
        holder      TEXT NOT NULL,
        expires_at  INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
