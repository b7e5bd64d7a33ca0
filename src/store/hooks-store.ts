import type { Database, Statement } from 'better-sqlite3';
import { guarded, inTransaction } from './db.js';
import { nameKey } from './name-key.js';

/**
 * Persistence of Claude Code hook events, the state they imply, approval rules and approval
 * decisions (tables of migration 003). Every method is async, so callers are written for a store
 * that may do its I/O elsewhere; the SQLite implementation answers at once.
 *
 * Writes that must be atomic together (an event, the state it leads to, a decision, an
 * auto-registration) go through `transact`, which runs one IMMEDIATE transaction. A process that
 * must never wait (the hook command) opens the database with a small busy timeout and constructs
 * this store with `busyAttempts: 1`, so a locked database fails fast instead of queuing.
 */

/** The state one agent's latest hook event implies, as stored (details are JSON). */
export interface StoredHookState {
  state: string;
  event: string;
  /** When the current state began (ms). */
  since: number;
  /** When the latest event arrived (ms). */
  at: number;
  detail: Record<string, unknown>;
}

export interface HookStateRow extends StoredHookState {
  space: string;
  agent: string;
}

export interface StoredHookEvent {
  id: number;
  space: string;
  agent: string;
  event: string;
  cc_session: string | null;
  payload: Record<string, unknown>;
  created_at: number;
}

export type RuleDecision = 'allow' | 'deny';

export interface ApprovalRuleRecord {
  id: number;
  /** null: every space. */
  space: string | null;
  /** null: every agent of the space. */
  agent: string | null;
  tool: string;
  pattern: string;
  decision: RuleDecision;
  created_at: number;
  updated_at: number;
}

export interface ApprovalRuleInput {
  space?: string | null;
  agent?: string | null;
  tool: string;
  pattern: string;
  decision: RuleDecision;
}

export type DecidedBy = 'rule' | 'approve' | 'terminal';

export interface ApprovalDecisionInput {
  space: string;
  agent: string;
  tool_name?: string | null;
  subject?: string | null;
  prompt_id?: string | null;
  /** allow / deny (rules, terminal), the approve tool's yes / always / no, or none (rules could not decide; detail says why). */
  decision: string;
  decided_by: DecidedBy;
  rule_id?: number | null;
  detail?: string | null;
}

export interface ApprovalDecisionRecord extends Required<ApprovalDecisionInput> {
  id: number;
  created_at: number;
}

/** An agent as the hook path needs it: who, and which session. */
export interface AgentRef {
  space: string;
  name: string;
  session_id: string | null;
  backend_type: string | null;
}

/**
 * Operations available inside one `transact` call, all in one transaction. Each returns a Promise
 * (a PostgreSQL store talks to its server); the callback awaits only these while the transaction
 * is open, never anything slow.
 */
export interface HookTx {
  now: number;
  findAgent(space: string, agent: string): Promise<AgentRef | undefined>;
  findAgentsBySession(sessionId: string): Promise<AgentRef[]>;
  /** Creates the agent (of `agent_kind`) when new; gives a known agent without a session this one (and the kind when it has none). */
  ensureAgent(space: string, agent: string, session: { session_id?: string; backend_type?: string; agent_kind?: string }): Promise<{ agent: AgentRef; created: boolean }>;
  /** Records the agent program's conversation id and the directory it runs in (the agent exists). */
  setConversation(space: string, agent: string, programSessionId: string, workDir: string | undefined): Promise<void>;
  getState(space: string, agent: string): Promise<StoredHookState | undefined>;
  putState(space: string, agent: string, state: StoredHookState): Promise<void>;
  insertEvent(space: string, agent: string, event: string, ccSession: string | null, payload: unknown): Promise<number>;
  rulesFor(space: string, agent: string): Promise<ApprovalRuleRecord[]>;
  insertDecision(d: ApprovalDecisionInput): Promise<number>;
  /** A decision was recorded for this prompt of this agent at or after `since`. */
  hasDecision(space: string, agent: string, promptId: string, since: number): Promise<boolean>;
  /** Appends to the SSE feed (`events`), read by the hub in any process. */
  appendFeed(kind: string, space: string, payload: unknown): Promise<void>;
}

/** Hook events, hook state, approval rules and decisions: the contract both engines implement. */
export interface HookStore {
  /** Runs `fn` in one transaction: all its writes or none. */
  transact<T>(fn: (tx: HookTx) => Promise<T>): Promise<T>;
  getState(space: string, agent: string): Promise<StoredHookState | undefined>;
  /** The hook state of every agent (of one space), with the agent's stored spelling. */
  listStates(space?: string): Promise<HookStateRow[]>;
  /** Events of one agent at or after `since` (ms), oldest first, optionally of one kind. */
  eventsSince(space: string, agent: string, since: number, event?: string, limit?: number): Promise<StoredHookEvent[]>;
  /** The latest events of one agent, newest first. */
  recentEvents(space: string, agent: string, limit?: number): Promise<StoredHookEvent[]>;
  /** Any hook event was ever recorded for the agent (hooks are installed for it). */
  hasEvents(space: string, agent: string): Promise<boolean>;
  /** Creates the rule, or changes the decision of the rule with the same scope, tool and pattern. */
  setRule(input: ApprovalRuleInput): Promise<{ rule: ApprovalRuleRecord; created: boolean }>;
  listRules(scope?: { space: string; agent?: string }): Promise<ApprovalRuleRecord[]>;
  getRule(id: number): Promise<ApprovalRuleRecord | undefined>;
  deleteRule(id: number): Promise<boolean>;
  recordDecision(d: ApprovalDecisionInput): Promise<number>;
  /** Decisions, newest first, of one space / agent (or all), with ids above `afterId`. */
  listDecisions(filter?: { space?: string; agent?: string; afterId?: number; limit?: number }): Promise<ApprovalDecisionRecord[]>;
}

/** Hook events kept for reading; older ones are pruned. */
const HOOK_EVENTS_KEPT = 20_000;

const key = nameKey;
export const parseObject = (text: string | null): Record<string, unknown> => {
  if (!text) return {};
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

export interface HookStoreOptions {
  clock?: () => number;
  /** How often a busy write is retried (default 50; the hook command passes 1). */
  busyAttempts?: number;
}

export class SqliteHookStore implements HookStore {
  private readonly q: Record<string, Statement>;
  private readonly clock: () => number;
  private readonly attempts: number;
  private readonly tx: HookTx;
  private readonly getStateNow: (space: string, agent: string) => StoredHookState | undefined;
  private readonly rulesForNow: (space: string, agent: string) => ApprovalRuleRecord[];

  constructor(
    readonly db: Database,
    opts: HookStoreOptions = {},
  ) {
    this.clock = opts.clock ?? Date.now;
    this.attempts = opts.busyAttempts ?? 50;
    const agentSelect = `SELECT s.name AS space, a.name AS name, a.session_id, a.backend_type FROM agents a JOIN spaces s ON s.id = a.space_id`;
    this.q = {
      agent: db.prepare(`${agentSelect} WHERE s.name_key = ? AND a.name_key = ?`),
      agentsBySession: db.prepare(`${agentSelect} WHERE a.session_id = ? ORDER BY s.name_key, a.name_key`),
      spaceByKey: db.prepare(`SELECT id, name FROM spaces WHERE name_key = ?`),
      insertSpace: db.prepare(`INSERT INTO spaces (name, name_key, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`),
      insertAgent: db.prepare(
        `INSERT INTO agents (space_id, name, name_key, status, summary, session_id, backend_type, agent_kind, created_at, updated_at)
         VALUES (?, ?, ?, 'idle', ?, ?, ?, ?, ?, ?) ON CONFLICT (space_id, name_key) DO NOTHING`,
      ),
      setSession: db.prepare(
        `UPDATE agents SET session_id = ?, backend_type = COALESCE(backend_type, ?), agent_kind = COALESCE(agent_kind, ?), updated_at = ?
         WHERE space_id = ? AND name_key = ? AND (session_id IS NULL OR session_id = '')`,
      ),
      setConversation: db.prepare(
        `UPDATE agents SET program_session_id = ?, work_dir = COALESCE(?, work_dir), updated_at = ?
         WHERE space_id = (SELECT id FROM spaces WHERE name_key = ?) AND name_key = ?
           AND (program_session_id IS NOT ? OR (? IS NOT NULL AND work_dir IS NOT ?))`,
      ),
      getState: db.prepare(`SELECT state, event, detail, since, at FROM hook_state WHERE space_key = ? AND agent_key = ?`),
      putState: db.prepare(`
        INSERT INTO hook_state (space_key, agent_key, state, event, detail, since, at) VALUES (@space_key, @agent_key, @state, @event, @detail, @since, @at)
        ON CONFLICT (space_key, agent_key) DO UPDATE SET state = excluded.state, event = excluded.event, detail = excluded.detail,
          since = excluded.since, at = excluded.at`),
      states: db.prepare(`
        SELECT COALESCE(a.name, h.agent_key) AS agent, COALESCE(s.name, h.space_key) AS space, h.state, h.event, h.detail, h.since, h.at
        FROM hook_state h
        LEFT JOIN spaces s ON s.name_key = h.space_key
        LEFT JOIN agents a ON a.space_id = s.id AND a.name_key = h.agent_key
        WHERE ? IS NULL OR h.space_key = ?`),
      insertEvent: db.prepare(
        `INSERT INTO hook_events (space, agent, space_key, agent_key, event, cc_session, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      ),
      pruneEvents: db.prepare(`DELETE FROM hook_events WHERE id <= (SELECT MAX(id) FROM hook_events) - ?`),
      eventsAfter: db.prepare(
        `SELECT id, space, agent, event, cc_session, payload, created_at FROM hook_events
         WHERE space_key = ? AND agent_key = ? AND created_at >= ? AND (? IS NULL OR event = ?) ORDER BY id LIMIT ?`,
      ),
      recentEvents: db.prepare(
        `SELECT id, space, agent, event, cc_session, payload, created_at FROM hook_events
         WHERE space_key = ? AND agent_key = ? ORDER BY id DESC LIMIT ?`,
      ),
      hasAnyEvent: db.prepare(`SELECT 1 FROM hook_events WHERE space_key = ? AND agent_key = ? LIMIT 1`),
      rulesFor: db.prepare(
        `SELECT * FROM approval_rules WHERE (space_key = '' OR space_key = ?) AND (agent_key = '' OR agent_key = ?) ORDER BY id`,
      ),
      allRules: db.prepare(`SELECT * FROM approval_rules ORDER BY id`),
      ruleById: db.prepare(`SELECT * FROM approval_rules WHERE id = ?`),
      upsertRule: db.prepare(`
        INSERT INTO approval_rules (space, agent, space_key, agent_key, tool, pattern, decision, created_at, updated_at)
        VALUES (@space, @agent, @space_key, @agent_key, @tool, @pattern, @decision, @now, @now)
        ON CONFLICT (space_key, agent_key, tool, pattern) DO UPDATE SET decision = excluded.decision,
          updated_at = CASE WHEN approval_rules.decision = excluded.decision THEN approval_rules.updated_at ELSE excluded.updated_at END
        RETURNING *`),
      deleteRule: db.prepare(`DELETE FROM approval_rules WHERE id = ?`),
      insertDecision: db.prepare(`
        INSERT INTO approval_decisions (space, agent, space_key, agent_key, tool_name, subject, prompt_id, decision, decided_by, rule_id, detail, created_at)
        VALUES (@space, @agent, @space_key, @agent_key, @tool_name, @subject, @prompt_id, @decision, @decided_by, @rule_id, @detail, @created_at) RETURNING id`),
      hasDecision: db.prepare(
        `SELECT 1 FROM approval_decisions WHERE space_key = ? AND agent_key = ? AND prompt_id = ? AND created_at >= ? AND decision <> 'none' LIMIT 1`,
      ),
      decisions: db.prepare(`
        SELECT * FROM approval_decisions WHERE (? IS NULL OR space_key = ?) AND (? IS NULL OR agent_key = ?) AND id > ?
        ORDER BY id DESC LIMIT ?`),
      appendFeed: db.prepare(`INSERT INTO events (space, kind, payload, created_at) VALUES (?, ?, ?, ?)`),
    };
    const q = this.q;
    const findAgent = (space: string, agent: string) => q.agent!.get(key(space), key(agent)) as AgentRef | undefined;
    const appendFeed = (kind: string, space: string, payload: unknown) => {
      q.appendFeed!.run(space, kind, JSON.stringify(payload), tx.now);
    };
    const getState = (space: string, agent: string): StoredHookState | undefined => {
      const r = q.getState!.get(key(space), key(agent)) as { state: string; event: string; detail: string; since: number; at: number } | undefined;
      return r && { state: r.state, event: r.event, since: r.since, at: r.at, detail: parseObject(r.detail) };
    };
    const rulesFor = (space: string, agent: string) => (q.rulesFor!.all(key(space), key(agent)) as ApprovalRuleRecord[]).map(toRule);
    this.getStateNow = getState;
    this.rulesForNow = rulesFor;
    const tx: HookTx = {
      now: 0,
      findAgent: async (space, agent) => findAgent(space, agent),
      findAgentsBySession: async (sessionId) => q.agentsBySession!.all(sessionId) as AgentRef[],
      ensureAgent: async (space, agent, session) => {
        const now = tx.now;
        let sp = q.spaceByKey!.get(key(space)) as { id: number; name: string } | undefined;
        if (!sp) sp = { id: (q.insertSpace!.get(space, key(space), now, now) as { id: number }).id, name: space };
        const created =
          q.insertAgent!.run(sp.id, agent, key(agent), `${agent}: started (hook)`, session.session_id ?? null, session.backend_type ?? null, session.agent_kind ?? null, now, now)
            .changes > 0;
        if (!created && session.session_id) q.setSession!.run(session.session_id, session.backend_type ?? null, session.agent_kind ?? null, now, sp.id, key(agent));
        const ref = findAgent(space, agent)!;
        if (created) appendFeed('agent_registered', ref.space, { space: ref.space, agent: ref.name, session_id: ref.session_id, by: 'hook' });
        return { agent: ref, created };
      },
      setConversation: async (space, agent, id, workDir) => {
        q.setConversation!.run(id, workDir ?? null, tx.now, key(space), key(agent), id, workDir ?? null, workDir ?? null);
      },
      getState: async (space, agent) => getState(space, agent),
      putState: async (space, agent, st) => {
        q.putState!.run({
          space_key: key(space),
          agent_key: key(agent),
          state: st.state,
          event: st.event,
          detail: JSON.stringify(st.detail),
          since: st.since,
          at: st.at,
        });
      },
      insertEvent: async (space, agent, event, ccSession, payload) => {
        const { id } = q.insertEvent!.get(space, agent, key(space), key(agent), event, ccSession, JSON.stringify(payload), tx.now) as { id: number };
        if (id % 500 === 0) q.pruneEvents!.run(HOOK_EVENTS_KEPT);
        return id;
      },
      rulesFor: async (space, agent) => rulesFor(space, agent),
      insertDecision: async (d) =>
        (
          q.insertDecision!.get({
            space: d.space,
            agent: d.agent,
            space_key: key(d.space),
            agent_key: key(d.agent),
            tool_name: d.tool_name ?? null,
            subject: d.subject ?? null,
            prompt_id: d.prompt_id ?? null,
            decision: d.decision,
            decided_by: d.decided_by,
            rule_id: d.rule_id ?? null,
            detail: d.detail ?? null,
            created_at: tx.now,
          }) as { id: number }
        ).id,
      hasDecision: async (space, agent, promptId, since) => q.hasDecision!.get(key(space), key(agent), promptId, since) !== undefined,
      appendFeed: async (kind, space, payload) => appendFeed(kind, space, payload),
    };
    this.tx = tx;
  }

  /**
   * Runs `fn` in one IMMEDIATE transaction (retried while busy, up to the configured attempts). The
   * operations `fn` awaits answer at once, and this process's other writes on the file wait for the
   * end of the transaction (db.ts `exclusively`), so none of them lands inside it.
   */
  async transact<T>(fn: (tx: HookTx) => Promise<T>): Promise<T> {
    return this.write('record a hook event', () =>
      inTransaction(this.db, async () => {
        this.tx.now = this.clock();
        return fn(this.tx);
      }),
    );
  }

  async getState(space: string, agent: string): Promise<StoredHookState | undefined> {
    return this.read(() => this.getStateNow(space, agent));
  }

  /** The hook state of every agent (of one space), with the agent's stored spelling. */
  async listStates(space?: string): Promise<HookStateRow[]> {
    const k = space === undefined ? null : key(space);
    const rows = (await this.read(() => this.q.states!.all(k, k))) as { agent: string; space: string; state: string; event: string; detail: string; since: number; at: number }[];
    return rows.map((r) => ({ ...r, detail: parseObject(r.detail) }));
  }

  /** Events of one agent at or after `since` (ms), oldest first, optionally of one kind. */
  async eventsSince(space: string, agent: string, since: number, event?: string, limit = 100): Promise<StoredHookEvent[]> {
    const rows = (await this.read(() => this.q.eventsAfter!.all(key(space), key(agent), since, event ?? null, event ?? null, limit))) as RawEvent[];
    return rows.map(toEvent);
  }

  /** The latest events of one agent, newest first. */
  async recentEvents(space: string, agent: string, limit = 50): Promise<StoredHookEvent[]> {
    return ((await this.read(() => this.q.recentEvents!.all(key(space), key(agent), limit))) as RawEvent[]).map(toEvent);
  }

  /** Any hook event was ever recorded for the agent (hooks are installed for it). */
  async hasEvents(space: string, agent: string): Promise<boolean> {
    return (await this.read(() => this.q.hasAnyEvent!.get(key(space), key(agent)))) !== undefined;
  }

  /** Creates the rule, or changes the decision of the rule with the same scope, tool and pattern. */
  async setRule(input: ApprovalRuleInput): Promise<{ rule: ApprovalRuleRecord; created: boolean }> {
    return this.write(
      'set an approval rule',
      () =>
        this.db
          .transaction(() => {
            const now = this.clock();
            const row = this.q.upsertRule!.get({
              space: input.space ?? null,
              agent: input.agent ?? null,
              space_key: input.space ? key(input.space) : '',
              agent_key: input.agent ? key(input.agent) : '',
              tool: input.tool,
              pattern: input.pattern,
              decision: input.decision,
              now,
            }) as ApprovalRuleRecord;
            return { rule: toRule(row), created: row.created_at === now && row.updated_at === now };
          })
          .immediate(),
    );
  }

  async listRules(scope?: { space: string; agent?: string }): Promise<ApprovalRuleRecord[]> {
    if (!scope) return ((await this.read(() => this.q.allRules!.all())) as ApprovalRuleRecord[]).map(toRule);
    if (scope.agent !== undefined) return this.rulesForNow(scope.space, scope.agent);
    return (this.q.allRules!.all() as ApprovalRuleRecord[]).map(toRule).filter((r) => r.space === null || key(r.space) === key(scope.space));
  }

  async getRule(id: number): Promise<ApprovalRuleRecord | undefined> {
    const row = (await this.read(() => this.q.ruleById!.get(id))) as ApprovalRuleRecord | undefined;
    return row && toRule(row);
  }

  async deleteRule(id: number): Promise<boolean> {
    return this.write('delete an approval rule', () => this.q.deleteRule!.run(id).changes > 0);
  }

  async recordDecision(d: ApprovalDecisionInput): Promise<number> {
    return this.transact((tx) => tx.insertDecision(d));
  }

  /** Decisions, newest first, of one space / agent (or all), with ids above `afterId`. */
  async listDecisions(filter: { space?: string; agent?: string; afterId?: number; limit?: number } = {}): Promise<ApprovalDecisionRecord[]> {
    const s = filter.space === undefined ? null : key(filter.space);
    const a = filter.agent === undefined ? null : key(filter.agent);
    const rows = (await this.read(() => this.q.decisions!.all(s, s, a, a, filter.afterId ?? 0, filter.limit ?? 50))) as (ApprovalDecisionRecord & Record<string, unknown>)[];
    return rows.map(({ space_key: _s, agent_key: _a, ...r }) => r as ApprovalDecisionRecord);
  }

  /** A write, by the stores' one busy and damage rule (db.ts `guarded`): refused once the file showed damage. */
  private write<T>(what: string, fn: () => T | Promise<T>): Promise<T> {
    return guarded(this.db, what, fn, { write: true, attempts: this.attempts });
  }

  /** A read: a damaged page is StoreDamagedError (and later writes are refused), a busy database is retried. */
  private read<T>(fn: () => T): Promise<T> {
    return guarded(this.db, 'read', fn, { write: false, attempts: this.attempts });
  }
}

export interface RawEvent {
  id: number;
  space: string;
  agent: string;
  event: string;
  cc_session: string | null;
  payload: string;
  created_at: number;
}
export const toEvent = (r: RawEvent): StoredHookEvent => ({ ...r, payload: parseObject(r.payload) });

export const toRule = (r: ApprovalRuleRecord): ApprovalRuleRecord => ({
  id: r.id,
  space: r.space,
  agent: r.agent,
  tool: r.tool,
  pattern: r.pattern,
  decision: r.decision,
  created_at: r.created_at,
  updated_at: r.updated_at,
});
