import { randomBytes } from 'node:crypto';
import { hashOf, TOKEN_PREFIX, toInfo, type AgentTokenInfo, type AgentTokenStore, type TokenRow } from './agent-tokens.js';
import { nameKey } from './name-key.js';
import type { PgDatabase } from './pg-db.js';

const key = nameKey;

/** Agent tokens (migration 2) on PostgreSQL: the same rules as SqliteAgentTokens (SHA-256 only). */
export class PgAgentTokens implements AgentTokenStore {
  constructor(
    private readonly db: PgDatabase,
    private readonly clock: () => number = Date.now,
  ) {}

  async issue(space: string, agent: string): Promise<{ token: string; info: AgentTokenInfo }> {
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const r = await this.db.query<TokenRow>(
      'issue the token',
      // A token carries the names as the agents table spells them, when the agent exists.
      `WITH known AS (SELECT s.name AS space, a.name AS agent FROM agents a JOIN spaces s ON s.id = a.space_id WHERE s.name_key = $4 AND a.name_key = $6)
       INSERT INTO agent_tokens (token_hash, hint, space, space_key, agent, agent_key, created_at)
       VALUES ($1, $2, COALESCE((SELECT space FROM known), $3), $4, COALESCE((SELECT agent FROM known), $5), $6, $7)
       RETURNING id, space, agent, hint, created_at, revoked_at`,
      [hashOf(token), token.slice(0, TOKEN_PREFIX.length + 6), space, key(space), agent, key(agent), this.clock()],
    );
    return { token, info: toInfo(r.rows[0]!) };
  }

  async verify(token: string): Promise<{ id: number; space: string; agent: string } | undefined> {
    if (!token.startsWith(TOKEN_PREFIX)) return undefined;
    const r = await this.db.query<{ id: number; space: string; agent: string }>(
      'check the token',
      `SELECT id, space, agent FROM agent_tokens WHERE token_hash = $1 AND revoked_at IS NULL`,
      [hashOf(token)],
    );
    return r.rows[0];
  }

  async list(filter: { space?: string; agent?: string; includeRevoked?: boolean } = {}): Promise<AgentTokenInfo[]> {
    const r = await this.db.query<TokenRow>(
      'list the tokens',
      `SELECT id, space, agent, hint, created_at, revoked_at FROM agent_tokens
       WHERE ($1::text IS NULL OR space_key = $1) AND ($2::text IS NULL OR agent_key = $2) AND ($3 OR revoked_at IS NULL)
       ORDER BY space_key, agent_key, id`,
      [filter.space === undefined ? null : key(filter.space), filter.agent === undefined ? null : key(filter.agent), filter.includeRevoked === true],
    );
    return r.rows.map(toInfo);
  }

  async revoke(id: number): Promise<boolean> {
    const r = await this.db.query('revoke the token', `UPDATE agent_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, [this.clock(), id]);
    return (r.rowCount ?? 0) > 0;
  }

  async revokeAgent(space: string, agent: string): Promise<number> {
    const r = await this.db.query(
      'revoke the tokens',
      `UPDATE agent_tokens SET revoked_at = $1 WHERE space_key = $2 AND agent_key = $3 AND revoked_at IS NULL`,
      [this.clock(), key(space), key(agent)],
    );
    return r.rowCount ?? 0;
  }

  async hasActive(space: string, agent: string): Promise<boolean> {
    const r = await this.db.query('check the tokens', `SELECT 1 FROM agent_tokens WHERE space_key = $1 AND agent_key = $2 AND revoked_at IS NULL LIMIT 1`, [key(space), key(agent)]);
    return r.rows.length > 0;
  }
}
