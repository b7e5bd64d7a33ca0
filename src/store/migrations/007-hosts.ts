import type { Migration } from './index.js';

/**
 * Hosts, for hubs on several machines sharing one database: `agents.host` names the host whose hub
 * owns the agent's session (NULL: never named, the local one). `hosts` holds each hub's lease,
 * renewed every second by its monitor; past `expires_at` its sessions read `unknown`. `host_liveness`
 * holds the liveness rows each host's monitor last saw of its own sessions (JSON), which the hubs of
 * other hosts show instead of probing a terminal they cannot reach.
 */
export const hosts: Migration = {
  version: 7,
  name: 'hosts',
  up(db) {
    db.exec(`
      ALTER TABLE agents ADD COLUMN host TEXT;
      CREATE TABLE hosts (
        name        TEXT PRIMARY KEY,
        pid         INTEGER NOT NULL,
        started_at  INTEGER NOT NULL,
        seen_at     INTEGER NOT NULL,
        expires_at  INTEGER NOT NULL,
        stopped_at  INTEGER
      ) STRICT;
      CREATE TABLE host_liveness (
        space_key   TEXT NOT NULL,
        agent_key   TEXT NOT NULL,
        host        TEXT NOT NULL,
        row         TEXT NOT NULL,
        updated_at  INTEGER NOT NULL,
        PRIMARY KEY (space_key, agent_key)
      ) STRICT;
    `);
  },
};
