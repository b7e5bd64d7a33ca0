import type { Database, Statement } from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { nameKey } from './name-key.js';

/**
 * Per-agent bearer tokens (`serve --auth agents`). A token is `abt_` + 32 random bytes
 * (base64url); the table keeps its SHA-256 only, so a copy of the database does not hand out
 * working credentials. A fast hash is enough: the tokens are random, not passwords.
 *
 * Kept apart from `Store` on purpose: a small interface of async functions, so a networked
 * store can implement it the same way. This implementation runs one statement per call; each
 * write is a single statement, atomic on its own.
 */
export interface AgentTokenInfo {
  id: number;
  space: string;
  agent: string;
  /** The first characters of the token, to tell tokens apart in a listing. */
  hint: string;
  created_at: string;
  revoked_at: string | null;
}

export interface AgentTokenStore {
  /** Issues a new token for (space, agent); the only time the token itself is returned. */
  issue(space: string, agent: string): Promise<{ token: string; info: AgentTokenInfo }>;
  /** The (space, agent) an active token belongs to, or undefined for an unknown or revoked one. */
  verify(token: string): Promise<{ id: number; space: string; agent: string } | undefined>;
  list(filter?: { space?: string; agent?: string; includeRevoked?: boolean }): Promise<AgentTokenInfo[]>;
  /** Revokes one token by id; false when no active token has that id. */
  revoke(id: number): Promise<boolean>;
  /** Revokes every active token of (space, agent); returns how many. */
  revokeAgent(space: string, agent: string): Promise<number>;
  hasActive(space: string, agent: string): Promise<boolean>;
}

export const TOKEN_PREFIX = 'abt_';

export const hashOf = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');
const key = nameKey;

export interface TokenRow {
  id: number;
  space: string;
  agent: string;
  hint: string;
  created_at: number;
  revoked_at: number | null;
}

export const toInfo = (r: TokenRow): AgentTokenInfo => ({
  id: r.id,
  space: r.space,
  agent: r.agent,
  hint: r.hint,
  created_at: new Date(r.created_at).toISOString(),
  revoked_at: r.revoked_at === null ? null : new Date(r.revoked_at).toISOString(),
});

export class SqliteAgentTokens implements AgentTokenStore {
  private readonly q: Record<'insert' | 'byHash' | 'list' | 'revoke' | 'revokeAgent' | 'active' | 'agentName', Statement>;

  constructor(
    db: Database,
    private readonly clock: () => number = Date.now,
  ) {
    this.q = {
      insert: db.prepare(
        `INSERT INTO agent_tokens (token_hash, hint, space, space_key, agent, agent_key, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id, space, agent, hint, created_at, revoked_at`,
      ),
      byHash: db.prepare(`SELECT id, space, agent FROM agent_tokens WHERE token_hash = ? AND revoked_at IS NULL`),
      list: db.prepare(
        `SELECT id, space, agent, hint, created_at, revoked_at FROM agent_tokens
         WHERE (@space IS NULL OR space_key = @space) AND (@agent IS NULL OR agent_key = @agent)
           AND (@all = 1 OR revoked_at IS NULL)
         ORDER BY space_key, agent_key, id`,
      ),
      revoke: db.prepare(`UPDATE agent_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`),
      revokeAgent: db.prepare(`UPDATE agent_tokens SET revoked_at = ? WHERE space_key = ? AND agent_key = ? AND revoked_at IS NULL`),
      active: db.prepare(`SELECT 1 FROM agent_tokens WHERE space_key = ? AND agent_key = ? AND revoked_at IS NULL LIMIT 1`),
      // A token carries the names as the agents table spells them, when the agent exists.
      agentName: db.prepare(
        `SELECT s.name AS space, a.name AS agent FROM agents a JOIN spaces s ON s.id = a.space_id WHERE s.name_key = ? AND a.name_key = ?`,
      ),
    };
  }

  async issue(space: string, agent: string): Promise<{ token: string; info: AgentTokenInfo }> {
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const known = this.q.agentName.get(key(space), key(agent)) as { space: string; agent: string } | undefined;
    const row = this.q.insert.get(
      hashOf(token),
      token.slice(0, TOKEN_PREFIX.length + 6),
      known?.space ?? space,
      key(space),
      known?.agent ?? agent,
      key(agent),
      this.clock(),
    ) as TokenRow;
    return { token, info: toInfo(row) };
  }

  async verify(token: string): Promise<{ id: number; space: string; agent: string } | undefined> {
    if (!token.startsWith(TOKEN_PREFIX)) return undefined;
    return this.q.byHash.get(hashOf(token)) as { id: number; space: string; agent: string } | undefined;
  }

  async list(filter: { space?: string; agent?: string; includeRevoked?: boolean } = {}): Promise<AgentTokenInfo[]> {
    const rows = this.q.list.all({
      space: filter.space === undefined ? null : key(filter.space),
      agent: filter.agent === undefined ? null : key(filter.agent),
      all: filter.includeRevoked ? 1 : 0,
    }) as TokenRow[];
    return rows.map(toInfo);
  }

  async revoke(id: number): Promise<boolean> {
    return this.q.revoke.run(this.clock(), id).changes > 0;
  }

  async revokeAgent(space: string, agent: string): Promise<number> {
    return this.q.revokeAgent.run(this.clock(), key(space), key(agent)).changes;
  }

  async hasActive(space: string, agent: string): Promise<boolean> {
    return this.q.active.get(key(space), key(agent)) !== undefined;
  }
}
