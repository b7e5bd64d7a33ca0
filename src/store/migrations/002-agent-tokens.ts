import type { Migration } from './index.js';

/**
 * Agent credentials for `serve --auth agents`: one row per issued token, holding only the SHA-256
 * of the token (the token itself is shown once, when issued). A token belongs to one (space,
 * agent) pair, matched on the lower-cased names like the agents table. Revoking sets `revoked_at`;
 * rows are kept so `agent-boss token list` can show what was revoked and when.
 */
export const agentTokens: Migration = {
  version: 2,
  name: 'agent-tokens',
  up(db) {
    db.exec(`
      CREATE TABLE agent_tokens (
        id          INTEGER PRIMARY KEY,
        token_hash  TEXT NOT NULL UNIQUE,
        hint        TEXT NOT NULL,
        space       TEXT NOT NULL,
        space_key   TEXT NOT NULL,
        agent       TEXT NOT NULL,
        agent_key   TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        revoked_at  INTEGER
      ) STRICT;
      CREATE INDEX agent_tokens_agent ON agent_tokens(space_key, agent_key);
    `);
  },
};
