import type { Migration } from './index.js';

/**
 * Claude Code hook events and approval rules.
 *
 * `hook_events` is the raw feed `agent-boss hook` records (bounded: old rows are pruned), with the
 * payload trimmed of bulky fields. `hook_state` holds one row per agent: the state its latest hook
 * event implies, since when, and the details (tool, input, error) as JSON. `approval_rules` are
 * the operator's standing answers to permission prompts; `''` in `space_key` / `agent_key` means
 * "any" (not NULL, so the UNIQUE constraint holds). `approval_decisions` keeps every answer to a
 * prompt: by a rule, by the `approve` tool, or at the terminal.
 */
export const hooks: Migration = {
  version: 3,
  name: 'hooks',
  up(db) {
    db.exec(`
      CREATE TABLE hook_events (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        space       TEXT NOT NULL,
        agent       TEXT NOT NULL,
        space_key   TEXT NOT NULL,
        agent_key   TEXT NOT NULL,
        event       TEXT NOT NULL,
        cc_session  TEXT,
        payload     TEXT NOT NULL,
        created_at  INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX hook_events_agent ON hook_events(space_key, agent_key, id);

      CREATE TABLE hook_state (
        space_key   TEXT NOT NULL,
        agent_key   TEXT NOT NULL,
        state       TEXT NOT NULL,
        event       TEXT NOT NULL,
        detail      TEXT NOT NULL,
        since       INTEGER NOT NULL,
        at          INTEGER NOT NULL,
        PRIMARY KEY (space_key, agent_key)
      ) STRICT;

      CREATE TABLE approval_rules (
        id          INTEGER PRIMARY KEY,
        space       TEXT,
        agent       TEXT,
        space_key   TEXT NOT NULL DEFAULT '',
        agent_key   TEXT NOT NULL DEFAULT '',
        tool        TEXT NOT NULL,
        pattern     TEXT NOT NULL,
        decision    TEXT NOT NULL CHECK (decision IN ('allow', 'deny')),
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL,
        UNIQUE (space_key, agent_key, tool, pattern)
      ) STRICT;

      CREATE TABLE approval_decisions (
        id          INTEGER PRIMARY KEY,
        space       TEXT NOT NULL,
        agent       TEXT NOT NULL,
        space_key   TEXT NOT NULL,
        agent_key   TEXT NOT NULL,
        tool_name   TEXT,
        subject     TEXT,
        prompt_id   TEXT,
        decision    TEXT NOT NULL,
        decided_by  TEXT NOT NULL,
        rule_id     INTEGER,
        detail      TEXT,
        created_at  INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX approval_decisions_agent ON approval_decisions(space_key, agent_key, id);
    `);
  },
};
