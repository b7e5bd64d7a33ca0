import type { Migration } from './index.js';

/**
 * Actions on a session of another host (hubs sharing one database): the calling hub queues the
 * action here, the hub of the session's host claims it (once: `queued` → `running`), runs it as the
 * caller and writes the outcome (`done` with the result, `failed` with the error), which the caller
 * reads. A caller that gives up withdraws an action still `queued` (`cancelled`), so it never runs late.
 */
export const remoteActions: Migration = {
  version: 8,
  name: 'remote-actions',
  up(db) {
    db.exec(`
      CREATE TABLE remote_actions (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        host        TEXT NOT NULL,
        from_host   TEXT NOT NULL,
        kind        TEXT NOT NULL,
        caller      TEXT NOT NULL,
        input       TEXT NOT NULL,
        state       TEXT NOT NULL DEFAULT 'queued',
        outcome     TEXT,
        created_at  INTEGER NOT NULL,
        deadline    INTEGER NOT NULL,
        claimed_at  INTEGER,
        done_at     INTEGER
      ) STRICT;
      CREATE INDEX remote_actions_host ON remote_actions(host, state, id);
    `);
  },
};
