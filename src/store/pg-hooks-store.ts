import {
  parseObject,
  toEvent,
  toRule,
  type AgentRef,
  type ApprovalDecisionInput,
  type ApprovalDecisionRecord,
  type ApprovalRuleInput,
  type ApprovalRuleRecord,
  type HookStateRow,
  type HookStore,
  type HookTx,
  type RawEvent,
  type StoredHookEvent,
  type StoredHookState,
} from './hooks-store.js';
import { nameKey } from './name-key.js';
import type { PgClient, PgDatabase } from './pg-db.js';
import { ensureSpaceIn, insertEventIn } from './pg-store.js';

const key = nameKey;
/** Hook events kept for reading (as SQLite); older ones are pruned now and then. */
const HOOK_EVENTS_KEPT = 20_000;
const AGENT_REF = `SELECT s.name AS space, a.name AS name, a.session_id, a.backend_type FROM agents a JOIN spaces s ON s.id = a.space_id`;

/** The hook tables (migration 3) on PostgreSQL: the same contract and rules as SqliteHookStore. */
export class PgHookStore implements HookStore {
  constructor(
    private readonly db: PgDatabase,
    private readonly clock: () => number = Date.now,
    /** This process's host, stamped on an agent whose session a hook event registers. */
    private readonly host: string | null = null,
  ) {}

  async transact<T>(fn: (tx: HookTx) => Promise<T>): Promise<T> {
    return this.db.tx('record a hook event', (c) => fn(this.txOn(c, this.clock())));
  }

  async getState(space: string, agent: string): Promise<StoredHookState | undefined> {
    const r = await this.db.query<StateRow>('read the hook state', `SELECT state, event, detail, since, at FROM hook_state WHERE space_key = $1 AND agent_key = $2`, [key(space), key(agent)]);
    return r.rows[0] && toState(r.rows[0]);
  }

  async listStates(space?: string): Promise<HookStateRow[]> {
    const k = space === undefined ? null : key(space);
    const r = await this.db.query<StateRow & { agent: string; space: string }>(
      'read the hook states',
      `SELECT COALESCE(a.name, h.agent_key) AS agent, COALESCE(s.name, h.space_key) AS space, h.state, h.event, h.detail, h.since, h.at
       FROM hook_state h
       LEFT JOIN spaces s ON s.name_key = h.space_key
       LEFT JOIN agents a ON a.space_id = s.id AND a.name_key = h.agent_key
       WHERE $1::text IS NULL OR h.space_key = $1`,
      [k],
    );
    return r.rows.map((row) => ({ ...row, detail: parseObject(row.detail) }));
  }

  async eventsSince(space: string, agent: string, since: number, event?: string, limit = 100): Promise<StoredHookEvent[]> {
    const r = await this.db.query<RawEvent>(
      'read hook events',
      `SELECT id, space, agent, event, cc_session, payload, created_at FROM hook_events
       WHERE space_key = $1 AND agent_key = $2 AND created_at >= $3 AND ($4::text IS NULL OR event = $4) ORDER BY id LIMIT $5`,
      [key(space), key(agent), since, event ?? null, limit],
    );
    return r.rows.map(toEvent);
  }

  async recentEvents(space: string, agent: string, limit = 50): Promise<StoredHookEvent[]> {
    const r = await this.db.query<RawEvent>(
      'read hook events',
      `SELECT id, space, agent, event, cc_session, payload, created_at FROM hook_events WHERE space_key = $1 AND agent_key = $2 ORDER BY id DESC LIMIT $3`,
      [key(space), key(agent), limit],
    );
    return r.rows.map(toEvent);
  }

  async hasEvents(space: string, agent: string): Promise<boolean> {
    const r = await this.db.query('read hook events', `SELECT 1 FROM hook_events WHERE space_key = $1 AND agent_key = $2 LIMIT 1`, [key(space), key(agent)]);
    return r.rows.length > 0;
  }

  async setRule(input: ApprovalRuleInput): Promise<{ rule: ApprovalRuleRecord; created: boolean }> {
    const now = this.clock();
    const r = await this.db.query<ApprovalRuleRecord>(
      'set an approval rule',
      `INSERT INTO approval_rules (space, agent, space_key, agent_key, tool, pattern, decision, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
       ON CONFLICT (space_key, agent_key, tool, pattern) DO UPDATE SET decision = excluded.decision,
         updated_at = CASE WHEN approval_rules.decision = excluded.decision THEN approval_rules.updated_at ELSE excluded.updated_at END
       RETURNING *`,
      [input.space ?? null, input.agent ?? null, input.space ? key(input.space) : '', input.agent ? key(input.agent) : '', input.tool, input.pattern, input.decision, now],
    );
    const row = r.rows[0]!;
    return { rule: toRule(row), created: row.created_at === now && row.updated_at === now };
  }

  async listRules(scope?: { space: string; agent?: string }): Promise<ApprovalRuleRecord[]> {
    if (scope?.agent !== undefined) return rulesFor(this.db, scope.space, scope.agent);
    const all = (await this.db.query<ApprovalRuleRecord>('read the approval rules', `SELECT * FROM approval_rules ORDER BY id`)).rows.map(toRule);
    return scope ? all.filter((r) => r.space === null || key(r.space) === key(scope.space)) : all;
  }

  async getRule(id: number): Promise<ApprovalRuleRecord | undefined> {
    const r = await this.db.query<ApprovalRuleRecord>('read the approval rule', `SELECT * FROM approval_rules WHERE id = $1`, [id]);
    return r.rows[0] && toRule(r.rows[0]);
  }

  async deleteRule(id: number): Promise<boolean> {
    const r = await this.db.query('delete an approval rule', `DELETE FROM approval_rules WHERE id = $1`, [id]);
    return (r.rowCount ?? 0) > 0;
  }

  async recordDecision(d: ApprovalDecisionInput): Promise<number> {
    return this.transact((tx) => tx.insertDecision(d));
  }

  async listDecisions(filter: { space?: string; agent?: string; afterId?: number; limit?: number } = {}): Promise<ApprovalDecisionRecord[]> {
    const r = await this.db.query<ApprovalDecisionRecord & Record<string, unknown>>(
      'read the approval decisions',
      `SELECT * FROM approval_decisions WHERE ($1::text IS NULL OR space_key = $1) AND ($2::text IS NULL OR agent_key = $2) AND id > $3
       ORDER BY id DESC LIMIT $4`,
      [filter.space === undefined ? null : key(filter.space), filter.agent === undefined ? null : key(filter.agent), filter.afterId ?? 0, filter.limit ?? 50],
    );
    return r.rows.map(({ space_key: _s, agent_key: _a, ...rest }) => rest as ApprovalDecisionRecord);
  }

  /** The operations of one transaction on connection `c`. */
  private txOn(c: PgClient, now: number): HookTx {
    const findAgent = async (space: string, agent: string) =>
      (await c.query<AgentRef>(`${AGENT_REF} WHERE s.name_key = $1 AND a.name_key = $2`, [key(space), key(agent)])).rows[0];
    const tx: HookTx = {
      now,
      findAgent,
      findAgentsBySession: async (sessionId) =>
        (await c.query<AgentRef>(`${AGENT_REF} WHERE a.session_id = $1 ORDER BY s.name_key, a.name_key`, [sessionId])).rows,
      ensureAgent: async (space, agent, session) => {
        const sp = await ensureSpaceIn(c, space, now);
        const ins = await c.query(
          `INSERT INTO agents (space_id, name, name_key, status, summary, session_id, backend_type, agent_kind, created_at, updated_at, host)
           VALUES ($1, $2, $3, 'idle', $4, $5, $6, $7, $8, $8, $9) ON CONFLICT (space_id, name_key) DO NOTHING`,
          [sp.id, agent, key(agent), `${agent}: started (hook)`, session.session_id ?? null, session.backend_type ?? null, session.agent_kind ?? null, now, session.session_id ? this.host : null],
        );
        const created = (ins.rowCount ?? 0) > 0;
        if (!created && session.session_id) {
          await c.query(
            `UPDATE agents SET session_id = $1, backend_type = COALESCE(backend_type, $2), agent_kind = COALESCE(agent_kind, $3), updated_at = $4,
               host = COALESCE($7, host)
             WHERE space_id = $5 AND name_key = $6 AND (session_id IS NULL OR session_id = '')`,
            [session.session_id, session.backend_type ?? null, session.agent_kind ?? null, now, sp.id, key(agent), this.host],
          );
        }
        const ref = (await findAgent(space, agent))!;
        if (created) await tx.appendFeed('agent_registered', ref.space, { space: ref.space, agent: ref.name, session_id: ref.session_id, by: 'hook' });
        return { agent: ref, created };
      },
      setConversation: async (space, agent, id, workDir) => {
        await c.query(
          `UPDATE agents a SET program_session_id = $3, work_dir = COALESCE($4, a.work_dir), updated_at = $5
           FROM spaces s WHERE s.id = a.space_id AND s.name_key = $1 AND a.name_key = $2
             AND (a.program_session_id IS DISTINCT FROM $3 OR ($4::text IS NOT NULL AND a.work_dir IS DISTINCT FROM $4))`,
          [key(space), key(agent), id, workDir ?? null, now],
        );
      },
      getState: async (space, agent) => {
        const r = await c.query<StateRow>(`SELECT state, event, detail, since, at FROM hook_state WHERE space_key = $1 AND agent_key = $2`, [key(space), key(agent)]);
        return r.rows[0] && toState(r.rows[0]);
      },
      putState: async (space, agent, st) => {
        await c.query(
          `INSERT INTO hook_state (space_key, agent_key, state, event, detail, since, at) VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (space_key, agent_key) DO UPDATE SET state = excluded.state, event = excluded.event, detail = excluded.detail,
             since = excluded.since, at = excluded.at`,
          [key(space), key(agent), st.state, st.event, JSON.stringify(st.detail), st.since, st.at],
        );
      },
      insertEvent: async (space, agent, event, ccSession, payload) => {
        const r = await c.query<{ id: number }>(
          `INSERT INTO hook_events (space, agent, space_key, agent_key, event, cc_session, payload, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
          [space, agent, key(space), key(agent), event, ccSession, JSON.stringify(payload), now],
        );
        const id = r.rows[0]!.id;
        if (Math.random() < 1 / 500) await c.query(`DELETE FROM hook_events WHERE id <= $1`, [id - HOOK_EVENTS_KEPT]);
        return id;
      },
      rulesFor: (space, agent) => rulesForOn(c, space, agent),
      insertDecision: async (d) => {
        const r = await c.query<{ id: number }>(
          `INSERT INTO approval_decisions (space, agent, space_key, agent_key, tool_name, subject, prompt_id, decision, decided_by, rule_id, detail, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
          [d.space, d.agent, key(d.space), key(d.agent), d.tool_name ?? null, d.subject ?? null, d.prompt_id ?? null, d.decision, d.decided_by, d.rule_id ?? null, d.detail ?? null, now],
        );
        return r.rows[0]!.id;
      },
      hasDecision: async (space, agent, promptId, since) =>
        (
          await c.query(
            `SELECT 1 FROM approval_decisions WHERE space_key = $1 AND agent_key = $2 AND prompt_id = $3 AND created_at >= $4 AND decision <> 'none' LIMIT 1`,
            [key(space), key(agent), promptId, since],
          )
        ).rows.length > 0,
      appendFeed: async (kind, space, payload) => {
        await insertEventIn(c, kind, space, payload, now);
      },
    };
    return tx;
  }
}

interface StateRow {
  state: string;
  event: string;
  detail: string;
  since: number;
  at: number;
}
const toState = (r: StateRow): StoredHookState => ({ state: r.state, event: r.event, since: r.since, at: r.at, detail: parseObject(r.detail) });

const RULES_FOR = `SELECT * FROM approval_rules WHERE (space_key = '' OR space_key = $1) AND (agent_key = '' OR agent_key = $2) ORDER BY id`;
const rulesForOn = async (c: PgClient, space: string, agent: string): Promise<ApprovalRuleRecord[]> =>
  (await c.query<ApprovalRuleRecord>(RULES_FOR, [key(space), key(agent)])).rows.map(toRule);
const rulesFor = async (db: PgDatabase, space: string, agent: string): Promise<ApprovalRuleRecord[]> =>
  (await db.query<ApprovalRuleRecord>('read the approval rules', RULES_FOR, [key(space), key(agent)])).rows.map(toRule);
