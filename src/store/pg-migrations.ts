import { migrations } from './migrations/index.js';

/**
 * The PostgreSQL schema: the same numbered ledger as SQLite's (`migrations/`), entry for entry (a
 * test compares versions and names), written in PostgreSQL's dialect. Times are milliseconds since
 * the epoch (BIGINT), list-valued report fields JSON text, names matched on `name_key` (folded in
 * JavaScript, never in SQL), as in SQLite. The legacy import (SQLite's version 0) has no counterpart.
 * Append only, never edit an applied entry.
 */
export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}

export const pgMigrations: readonly PgMigration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
      CREATE TABLE spaces (
        id          BIGSERIAL PRIMARY KEY,
        name        TEXT NOT NULL,
        name_key    TEXT NOT NULL UNIQUE,
        created_at  BIGINT NOT NULL,
        updated_at  BIGINT NOT NULL
      );
      CREATE TABLE agents (
        id            BIGSERIAL PRIMARY KEY,
        space_id      BIGINT NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
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
        created_at    BIGINT NOT NULL,
        updated_at    BIGINT NOT NULL,
        reported_at   BIGINT,
        UNIQUE (space_id, name_key)
      );
      CREATE INDEX agents_session ON agents(session_id);
      CREATE TABLE status_history (
        id          BIGSERIAL PRIMARY KEY,
        space       TEXT NOT NULL,
        agent       TEXT NOT NULL,
        status      TEXT NOT NULL,
        summary     TEXT NOT NULL,
        report      TEXT NOT NULL,
        created_at  BIGINT NOT NULL
      );
      CREATE INDEX status_history_agent ON status_history(space, agent, id);
      CREATE TABLE events (
        id          BIGSERIAL PRIMARY KEY,
        space       TEXT,
        kind        TEXT NOT NULL,
        payload     TEXT NOT NULL,
        created_at  BIGINT NOT NULL
      );
      CREATE TABLE leases (
        name        TEXT PRIMARY KEY,
        holder      TEXT NOT NULL,
        expires_at  BIGINT NOT NULL
      );`,
  },
  {
    version: 2,
    name: 'agent-tokens',
    sql: `
      CREATE TABLE agent_tokens (
        id          BIGSERIAL PRIMARY KEY,
        token_hash  TEXT NOT NULL UNIQUE,
        hint        TEXT NOT NULL,
        space       TEXT NOT NULL,
        space_key   TEXT NOT NULL,
        agent       TEXT NOT NULL,
        agent_key   TEXT NOT NULL,
        created_at  BIGINT NOT NULL,
        revoked_at  BIGINT
      );
      CREATE INDEX agent_tokens_agent ON agent_tokens(space_key, agent_key);`,
  },
  {
    version: 3,
    name: 'hooks',
    sql: `
      CREATE TABLE hook_events (
        id          BIGSERIAL PRIMARY KEY,
        space       TEXT NOT NULL,
        agent       TEXT NOT NULL,
        space_key   TEXT NOT NULL,
        agent_key   TEXT NOT NULL,
        event       TEXT NOT NULL,
        cc_session  TEXT,
        payload     TEXT NOT NULL,
        created_at  BIGINT NOT NULL
      );
      CREATE INDEX hook_events_agent ON hook_events(space_key, agent_key, id);
      CREATE TABLE hook_state (
        space_key   TEXT NOT NULL,
        agent_key   TEXT NOT NULL,
        state       TEXT NOT NULL,
        event       TEXT NOT NULL,
        detail      TEXT NOT NULL,
        since       BIGINT NOT NULL,
        at          BIGINT NOT NULL,
        PRIMARY KEY (space_key, agent_key)
      );
      CREATE TABLE approval_rules (
        id          BIGSERIAL PRIMARY KEY,
        space       TEXT,
        agent       TEXT,
        space_key   TEXT NOT NULL DEFAULT '',
        agent_key   TEXT NOT NULL DEFAULT '',
        tool        TEXT NOT NULL,
        pattern     TEXT NOT NULL,
        decision    TEXT NOT NULL CHECK (decision IN ('allow', 'deny')),
        created_at  BIGINT NOT NULL,
        updated_at  BIGINT NOT NULL,
        UNIQUE (space_key, agent_key, tool, pattern)
      );
      CREATE TABLE approval_decisions (
        id          BIGSERIAL PRIMARY KEY,
        space       TEXT NOT NULL,
        agent       TEXT NOT NULL,
        space_key   TEXT NOT NULL,
        agent_key   TEXT NOT NULL,
        tool_name   TEXT,
        subject     TEXT,
        prompt_id   TEXT,
        decision    TEXT NOT NULL,
        decided_by  TEXT NOT NULL,
        rule_id     BIGINT,
        detail      TEXT,
        created_at  BIGINT NOT NULL
      );
      CREATE INDEX approval_decisions_agent ON approval_decisions(space_key, agent_key, id);`,
  },
  {
    version: 4,
    name: 'action-tickets',
    sql: `
      CREATE TABLE action_tickets (
        id          BIGSERIAL PRIMARY KEY,
        queue       TEXT NOT NULL,
        holder      TEXT NOT NULL,
        host        TEXT NOT NULL,
        pid         INTEGER NOT NULL,
        created_at  BIGINT NOT NULL,
        expires_at  BIGINT NOT NULL
      );
      CREATE INDEX action_tickets_queue ON action_tickets(queue, id);`,
  },
  {
    version: 5,
    name: 'agent-kind',
    sql: `ALTER TABLE agents ADD COLUMN agent_kind TEXT;`,
  },
  {
    version: 6,
    name: 'resume',
    sql: `
      ALTER TABLE agents ADD COLUMN program_session_id TEXT;
      ALTER TABLE agents ADD COLUMN launch_command TEXT;
      ALTER TABLE agents ADD COLUMN work_dir TEXT;`,
  },
  {
    version: 7,
    name: 'hosts',
    sql: `
      ALTER TABLE agents ADD COLUMN host TEXT;
      CREATE TABLE hosts (
        name        TEXT PRIMARY KEY,
        pid         INTEGER NOT NULL,
        started_at  BIGINT NOT NULL,
        seen_at     BIGINT NOT NULL,
        expires_at  BIGINT NOT NULL,
        stopped_at  BIGINT
      );
      CREATE TABLE host_liveness (
        space_key   TEXT NOT NULL,
        agent_key   TEXT NOT NULL,
        host        TEXT NOT NULL,
        row         TEXT NOT NULL,
        updated_at  BIGINT NOT NULL,
        PRIMARY KEY (space_key, agent_key)
      );`,
  },
  {
    version: 8,
    name: 'remote-actions',
    sql: `
      CREATE TABLE remote_actions (
        id          BIGSERIAL PRIMARY KEY,
        host        TEXT NOT NULL,
        from_host   TEXT NOT NULL,
        kind        TEXT NOT NULL,
        caller      TEXT NOT NULL,
        input       TEXT NOT NULL,
        state       TEXT NOT NULL DEFAULT 'queued',
        outcome     TEXT,
        created_at  BIGINT NOT NULL,
        deadline    BIGINT NOT NULL,
        claimed_at  BIGINT,
        done_at     BIGINT
      );
      CREATE INDEX remote_actions_host ON remote_actions(host, state, id);`,
  },
];

export const LATEST_VERSION = pgMigrations.at(-1)!.version;

// The two ledgers move together: a version added to one and not the other fails at load.
if (pgMigrations.length !== migrations.length || pgMigrations.some((m, i) => m.version !== migrations[i]!.version || m.name !== migrations[i]!.name)) {
  throw new Error('the PostgreSQL migrations (pg-migrations.ts) are out of step with the SQLite ones (migrations/index.ts)');
}
