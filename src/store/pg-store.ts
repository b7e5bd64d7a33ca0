import { AGENT_SELECT, parseJson, toAction, toJson, toRecord, type AgentRow, type RawAction } from './agent-rows.js';
import { nameKey } from './name-key.js';
import type { PgClient, PgDatabase } from './pg-db.js';
import {
  ACTION_DONE_CHANNEL,
  ACTIONS_CHANNEL,
  EVENTS_CHANNEL,
  ParentCycleError,
  type AgentRecord,
  type LaunchFields,
  type HostRecord,
  type PublishedRow,
  type Registration,
  type RemoteAction,
  type Report,
  type Store,
  type StoreHealth,
  type StoredEvent,
  type Ticket,
  type TicketOwner,
} from './store.js';

const key = nameKey;
/** How many SSE events to keep for replay (as SQLite); older ones are pruned. */
const EVENTS_KEPT = 10_000;

/**
 * Advisory lock keys. Ids come from sequences, which hand out numbers before commit: a reader that
 * follows "ids above the last one seen" (the SSE feed) or "the lowest live ticket acts" (the action
 * queues) could otherwise see id 7 committed before id 6. Taking this lock just before the insert
 * makes the inserting transactions commit in id order.
 */
export const LOCK_EVENTS = [7101, 0] as const;
export const LOCK_TICKETS = 7102;
export const LOCK_ACTIONS = 7103;


interface EventRow {
  id: number;
  space: string | null;
  kind: string;
  payload: string;
  created_at: number;
}

/** Appends an event inside a transaction, in id order across connections (see LOCK_EVENTS). */
export async function insertEventIn(c: PgClient, kind: string, space: string | null, payload: unknown, now: number): Promise<number> {
  await c.query('SELECT pg_advisory_xact_lock($1, $2)', [...LOCK_EVENTS]);
  const r = await c.query<{ id: number }>(`INSERT INTO events (space, kind, payload, created_at) VALUES ($1, $2, $3, $4) RETURNING id`, [space, kind, JSON.stringify(payload), now]);
  const id = r.rows[0]!.id;
  // Delivered when the transaction commits: other hubs' SSE and resource subscribers read it then.
  await c.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, String(id)]);
  if (Math.random() < 1 / 500) await c.query(`DELETE FROM events WHERE id <= $1`, [id - EVENTS_KEPT]);
  return id;
}

/**
 * The Store over a PostgreSQL database shared by the hubs of several hosts (see PgDatabase for the
 * pool and the failure rule). Every write that SQLite does in one transaction is one transaction here.
 */
export class PgStore implements Store {
  readonly path: string;

  constructor(
    readonly db: PgDatabase,
    private readonly clock: () => number = Date.now,
    /** This process's host: stamped on an agent whose session it registers (agents.host). */
    private readonly host: string | null = null,
  ) {
    this.path = db.where;
  }

  async getAgent(space: string, agent: string): Promise<AgentRecord | undefined> {
    const r = await this.db.query<AgentRow>('read the agent', `${AGENT_SELECT} WHERE s.name_key = $1 AND a.name_key = $2`, [key(space), key(agent)]);
    return r.rows[0] && toRecord(r.rows[0]);
  }

  async listAgents(space?: string): Promise<AgentRecord[]> {
    const r =
      space === undefined
        ? await this.db.query<AgentRow>('list the agents', `${AGENT_SELECT} ORDER BY s.name_key, a.name_key`)
        : await this.db.query<AgentRow>('list the agents', `${AGENT_SELECT} WHERE s.name_key = $1 ORDER BY a.name_key`, [key(space)]);
    return r.rows.map(toRecord);
  }

  async register(space: string, agent: string, reg: Registration): Promise<{ record: AgentRecord; created: boolean }> {
    return this.db.tx('register the session', async (c) => {
      const now = this.clock();
      const { spaceId, spaceName, created } = await this.ensureAgent(c, space, agent, now);
      if (reg.parent !== undefined) await this.checkParent(c, spaceId, agent, reg.parent, true);
      if (reg.session_id !== undefined) {
        for (const other of reg.takeSessionFrom ?? []) {
          await c.query(
            `UPDATE agents SET session_id = NULL, updated_at = $1
             WHERE space_id = (SELECT id FROM spaces WHERE name_key = $2) AND name_key = $3 AND session_id = $4`,
            [now, key(other.space), key(other.agent), reg.session_id],
          );
        }
      }
      const r = await c.query<AgentRow>(
        `UPDATE agents SET
           session_id   = COALESCE($3, session_id),
           backend_type = COALESCE($4, backend_type),
           agent_kind   = COALESCE($5, agent_kind),
           host         = CASE WHEN $3::text IS NOT NULL THEN COALESCE($9, host) ELSE host END,
           parent       = CASE WHEN parent IS NULL OR parent = '' THEN COALESCE($6, parent) ELSE parent END,
           role         = CASE WHEN role IS NULL OR role = '' THEN COALESCE($7, role) ELSE role END,
           updated_at   = $8
         WHERE space_id = $1 AND name_key = $2 RETURNING *`,
        [spaceId, key(agent), reg.session_id ?? null, reg.backend_type ?? null, reg.agent_kind ?? null, reg.parent ?? null, reg.role ?? null, now, this.host],
      );
      const record = toRecord({ ...r.rows[0]!, space_name: spaceName });
      await insertEventIn(c, 'agent_registered', record.space, { space: record.space, agent: record.name, session_id: record.session_id }, now);
      return { record, created };
    });
  }

  async report(space: string, agent: string, report: Report): Promise<AgentRecord> {
    return this.db.tx('store the report', async (c) => {
      const now = this.clock();
      const { spaceId, spaceName } = await this.ensureAgent(c, space, agent, now);
      if (report.parent) await this.checkParent(c, spaceId, agent, report.parent, false);
      const r = await c.query<AgentRow>(
        `UPDATE agents SET
           status = $3, summary = $4, branch = $5, worktree = $6, pr = $7, phase = $8, test_count = $9, items = $10,
           sections = $11, questions = $12, blockers = $13, next_steps = $14, free_text = $15, documents = $16,
           session_id   = COALESCE($17, session_id),
           host         = CASE WHEN $17::text IS NOT NULL THEN COALESCE($23, host) ELSE host END,
           backend_type = COALESCE($18, backend_type),
           repo_url     = COALESCE($19, repo_url),
           parent       = COALESCE($20, parent),
           role         = COALESCE($21, role),
           updated_at = $22, reported_at = $22
         WHERE space_id = $1 AND name_key = $2 RETURNING *`,
        [
          spaceId,
          key(agent),
          report.status,
          report.summary,
          report.branch ?? null,
          report.worktree ?? null,
          report.pr ?? null,
          report.phase ?? null,
          report.test_count ?? null,
          toJson(report.items),
          toJson(report.sections),
          toJson(report.questions),
          toJson(report.blockers),
          report.next_steps ?? null,
          report.free_text ?? null,
          toJson(report.documents),
          report.session_id || null,
          report.backend_type || null,
          report.repo_url || null,
          report.parent || null,
          report.role || null,
          now,
          this.host,
        ],
      );
      const record = toRecord({ ...r.rows[0]!, space_name: spaceName });
      await c.query(`INSERT INTO status_history (space, agent, status, summary, report, created_at) VALUES ($1, $2, $3, $4, $5, $6)`, [
        record.space,
        record.name,
        report.status,
        report.summary,
        JSON.stringify(report),
        now,
      ]);
      await insertEventIn(c, 'agent_updated', record.space, { space: record.space, agent: record.name, status: record.status, summary: record.summary }, now);
      return record;
    });
  }

  async parentChain(space: string, agent: string): Promise<string[]> {
    return this.db.tx('read the parent chain', async (c) => {
      const sp = await c.query<{ id: number }>(`SELECT id FROM spaces WHERE name_key = $1`, [key(space)]);
      return sp.rows[0] ? this.chainFrom(c, sp.rows[0].id, agent) : [agent];
    });
  }

  async deleteAgent(space: string, agent: string): Promise<boolean> {
    return this.db.tx('delete the agent', async (c) => {
      const r = await c.query<{ space: string; name: string }>(
        `DELETE FROM agents a USING spaces s WHERE s.id = a.space_id AND s.name_key = $1 AND a.name_key = $2 RETURNING s.name AS space, a.name`,
        [key(space), key(agent)],
      );
      const rec = r.rows[0];
      if (!rec) return false;
      await insertEventIn(c, 'agent_deleted', rec.space, { space: rec.space, agent: rec.name }, this.clock());
      return true;
    });
  }

  async setLaunch(space: string, agent: string, fields: LaunchFields): Promise<boolean> {
    const r = await this.db.query(
      'record how the agent is started',
      `UPDATE agents a SET
         program_session_id = CASE WHEN $3 THEN $4 ELSE a.program_session_id END,
         launch_command     = CASE WHEN $5 THEN $6 ELSE a.launch_command END,
         work_dir           = CASE WHEN $7 THEN $8 ELSE a.work_dir END,
         updated_at = $9
       FROM spaces s WHERE s.id = a.space_id AND s.name_key = $1 AND a.name_key = $2`,
      [
        key(space),
        key(agent),
        fields.program_session_id !== undefined,
        fields.program_session_id ?? null,
        fields.launch_command !== undefined,
        fields.launch_command ?? null,
        fields.work_dir !== undefined,
        fields.work_dir ?? null,
        this.clock(),
      ],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async appendEvent(kind: string, space: string | null, payload: unknown): Promise<number> {
    return this.db.tx('record the event', (c) => insertEventIn(c, kind, space, payload, this.clock()));
  }

  async eventsSince(id: number, limit = 500): Promise<StoredEvent[]> {
    const r = await this.db.query<EventRow>('read the events', `SELECT id, space, kind, payload, created_at FROM events WHERE id > $1 ORDER BY id LIMIT $2`, [id, limit]);
    return r.rows.map((e) => ({ ...e, payload: parseJson(e.payload) }));
  }

  async lastEventId(): Promise<number> {
    const r = await this.db.query<{ id: number }>('read the events', `SELECT COALESCE(MAX(id), 0)::bigint AS id FROM events`);
    return r.rows[0]!.id;
  }

  async latestEvents(kind: string): Promise<StoredEvent[]> {
    const r = await this.db.query<EventRow>(
      'read the events',
      `SELECT id, space, kind, payload, created_at FROM events WHERE id IN (SELECT MAX(id) FROM events WHERE kind = $1 GROUP BY space) ORDER BY id`,
      [kind],
    );
    // The newest per space as names are matched (nameKey), folded here as in SQLite.
    const newest = new Map<string | null, EventRow>();
    for (const e of r.rows) newest.set(e.space === null ? null : key(e.space), e);
    return [...newest.values()].sort((a, b) => a.id - b.id).map((e) => ({ ...e, payload: parseJson(e.payload) }));
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = this.clock();
    const r = await this.db.query(
      'renew the lease',
      `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE leases.holder = excluded.holder OR leases.expires_at < $4`,
      [name, holder, now + ttlMs, now],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.db.query('release the lease', `DELETE FROM leases WHERE name = $1 AND holder = $2`, [name, holder]);
  }

  async enqueueTicket(queue: string, owner: TicketOwner, expiresAt: number): Promise<number> {
    return this.db.tx('queue the action', async (c) => {
      // Tickets of one queue commit in id order (see LOCK_TICKETS).
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_TICKETS, queue]);
      const r = await c.query<{ id: number }>(
        `INSERT INTO action_tickets (queue, holder, host, pid, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [queue, owner.holder, owner.host, owner.pid, this.clock(), expiresAt],
      );
      return r.rows[0]!.id;
    });
  }

  async tickets(queue: string): Promise<Ticket[]> {
    const r = await this.db.query<Ticket>('read the action queue', `SELECT id, queue, holder, host, pid, created_at, expires_at FROM action_tickets WHERE queue = $1 ORDER BY id`, [queue]);
    return r.rows;
  }

  async renewTicket(id: number, expiresAt: number): Promise<boolean> {
    const r = await this.db.query('renew the action ticket', `UPDATE action_tickets SET expires_at = $1 WHERE id = $2`, [expiresAt, id]);
    return (r.rowCount ?? 0) > 0;
  }

  async removeTickets(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query('remove action tickets', `DELETE FROM action_tickets WHERE id = ANY($1::bigint[])`, [ids]);
  }

  async publishHost(host: { name: string; pid: number; expiresAt: number }, rows: readonly { space: string; agent: string; row: unknown }[]): Promise<void> {
    await this.db.tx('publish the host liveness', async (c) => {
      const now = this.clock();
      await c.query(
        `INSERT INTO hosts (name, pid, started_at, seen_at, expires_at) VALUES ($1, $2, $3, $3, $4)
         ON CONFLICT (name) DO UPDATE SET pid = excluded.pid, seen_at = excluded.seen_at, expires_at = excluded.expires_at, stopped_at = NULL,
           started_at = CASE WHEN hosts.pid = excluded.pid AND hosts.stopped_at IS NULL THEN hosts.started_at ELSE excluded.started_at END`,
        [host.name, host.pid, now, host.expiresAt],
      );
      await c.query(`DELETE FROM host_liveness WHERE host = $1`, [host.name]);
      if (rows.length === 0) return;
      await c.query(
        `INSERT INTO host_liveness (space_key, agent_key, host, row, updated_at)
         SELECT s, a, $3, r, $4 FROM unnest($1::text[], $2::text[], $5::text[]) AS t(s, a, r)
         ON CONFLICT (space_key, agent_key) DO UPDATE SET host = excluded.host, row = excluded.row, updated_at = excluded.updated_at`,
        [rows.map((r) => key(r.space)), rows.map((r) => key(r.agent)), host.name, now, rows.map((r) => JSON.stringify(r.row))],
      );
    });
  }

  async stopHost(name: string): Promise<void> {
    const now = this.clock();
    await this.db.query('stop the host', `UPDATE hosts SET stopped_at = $2, expires_at = LEAST(expires_at, $2) WHERE name = $1`, [name, now]);
  }

  async hostLiveness(): Promise<{ hosts: HostRecord[]; rows: PublishedRow[] }> {
    const hosts = await this.db.query<HostRecord>('read the hosts', `SELECT name, pid, started_at, seen_at, expires_at, stopped_at FROM hosts ORDER BY name`);
    const rows = await this.db.query<PublishedRow & { row: string }>(
      'read the hosts',
      `SELECT COALESCE(s.name, h.space_key) AS space, COALESCE(a.name, h.agent_key) AS agent, h.host, h.row, h.updated_at FROM host_liveness h
       LEFT JOIN spaces s ON s.name_key = h.space_key LEFT JOIN agents a ON a.space_id = s.id AND a.name_key = h.agent_key`,
    );
    return { hosts: hosts.rows, rows: rows.rows.map((r) => ({ ...r, row: parseJson(r.row) })) };
  }

  async queueRemoteAction(a: Parameters<Store['queueRemoteAction']>[0]): Promise<number> {
    return this.db.tx('queue the action for its host', async (c) => {
      // A host's actions commit in id order (the owner runs them in that order).
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_ACTIONS, a.host]);
      const r = await c.query<{ id: number }>(
        `INSERT INTO remote_actions (host, from_host, kind, caller, input, created_at, deadline) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        [a.host, a.from_host, a.kind, JSON.stringify(a.caller), JSON.stringify(a.input), this.clock(), a.deadline],
      );
      await c.query('SELECT pg_notify($1, $2)', [ACTIONS_CHANNEL, a.host]);
      return r.rows[0]!.id;
    });
  }

  async claimRemoteAction(host: string): Promise<RemoteAction | undefined> {
    const r = await this.db.query<RawAction>(
      'claim a queued action',
      `UPDATE remote_actions SET state = 'running', claimed_at = $2
       WHERE id = (SELECT id FROM remote_actions WHERE host = $1 AND state = 'queued' AND deadline > $2 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING *`,
      [host, this.clock()],
    );
    return r.rows[0] && toAction(r.rows[0]);
  }

  async finishRemoteAction(id: number, state: 'done' | 'failed', outcome: unknown): Promise<void> {
    await this.db.tx('record the action outcome', async (c) => {
      await c.query(`UPDATE remote_actions SET state = $1, outcome = $2, done_at = $3 WHERE id = $4`, [state, JSON.stringify(outcome), this.clock(), id]);
      await c.query('SELECT pg_notify($1, $2)', [ACTION_DONE_CHANNEL, String(id)]);
    });
  }

  async remoteAction(id: number): Promise<RemoteAction | undefined> {
    const r = await this.db.query<RawAction>('read the action', `SELECT * FROM remote_actions WHERE id = $1`, [id]);
    return r.rows[0] && toAction(r.rows[0]);
  }

  async cancelRemoteAction(id: number): Promise<boolean> {
    const r = await this.db.query('withdraw the action', `UPDATE remote_actions SET state = 'cancelled', done_at = $1 WHERE id = $2 AND state = 'queued'`, [this.clock(), id]);
    return (r.rowCount ?? 0) > 0;
  }

  listen(channel: string, onMessage: (payload: string) => void): () => Promise<void> {
    return this.db.listen(channel, onMessage);
  }

  /** Whether the server answers; the URL in the answer carries no password. */
  health(): Promise<StoreHealth> {
    return this.db.health();
  }

  close(): Promise<void> {
    return this.db.close();
  }

  // ── helpers ──────────────────────────────────────────────────────────────

  /** Creates space and agent when new (the first spelling of each name is kept). */
  private async ensureAgent(c: PgClient, space: string, agent: string, now: number): Promise<{ spaceId: number; spaceName: string; created: boolean }> {
    const sp = await ensureSpaceIn(c, space, now);
    const ins = await c.query(
      `INSERT INTO agents (space_id, name, name_key, status, summary, created_at, updated_at)
       VALUES ($1, $2, $3, 'idle', $4, $5, $5) ON CONFLICT (space_id, name_key) DO NOTHING`,
      [sp.id, agent, key(agent), `${agent}: awaiting ignition`, now],
    );
    return { spaceId: sp.id, spaceName: sp.name, created: (ins.rowCount ?? 0) > 0 };
  }

  private async checkParent(c: PgClient, spaceId: number, agent: string, parent: string, onlyIfEmpty: boolean): Promise<void> {
    if (key(parent) === key(agent)) throw new ParentCycleError(agent, parent, true);
    if (onlyIfEmpty) {
      const cur = await c.query<{ parent: string | null }>(`SELECT parent FROM agents WHERE space_id = $1 AND name_key = $2`, [spaceId, key(agent)]);
      if (cur.rows[0]?.parent) return;
    }
    if ((await this.chainFrom(c, spaceId, parent)).some((name) => key(name) === key(agent))) throw new ParentCycleError(agent, parent, false);
  }

  private async chainFrom(c: PgClient, spaceId: number, name: string): Promise<string[]> {
    const chain: string[] = [];
    const seen = new Set<string>();
    for (let cursor: string | null = name; cursor && !seen.has(key(cursor)); ) {
      seen.add(key(cursor));
      chain.push(cursor);
      const row: { rows: { parent: string | null }[] } = await c.query(`SELECT parent FROM agents WHERE space_id = $1 AND name_key = $2`, [spaceId, key(cursor)]);
      cursor = row.rows[0]?.parent ?? null;
    }
    return chain;
  }
}

/** The space (created when new, first spelling kept), inside a transaction. */
export async function ensureSpaceIn(c: PgClient, space: string, now: number): Promise<{ id: number; name: string }> {
  await c.query(`INSERT INTO spaces (name, name_key, created_at, updated_at) VALUES ($1, $2, $3, $3) ON CONFLICT (name_key) DO NOTHING`, [space, key(space), now]);
  const r = await c.query<{ id: number; name: string }>(`SELECT id, name FROM spaces WHERE name_key = $1`, [key(space)]);
  return r.rows[0]!;
}
