import type { Database, Statement } from 'better-sqlite3';
import { damageOf, guarded, markDamaged, openDatabase, quickCheck, WRITE_TIMEOUT_MS } from './db.js';
import { AGENT_SELECT, iso, parseJson, toJson, toRecord, type AgentRow } from './agent-rows.js';
import { checkFileIntegrity } from './integrity.js';
import { SqliteHosts } from './sqlite-hosts.js';
import { nameKey } from './name-key.js';
import { ParentCycleError, StoreBusyError, StoreDamagedError } from './store.js';
import type { AgentRecord, LaunchFields, HostRecord, PublishedRow, Registration, RemoteAction, Report, Store, StoreHealth, StoredEvent, Ticket, TicketOwner } from './store.js';

const key = nameKey;

/** How many SSE events to keep for replay; older ones are pruned. */
const EVENTS_KEPT = 10_000;

export { WRITE_TIMEOUT_MS };
/** A health answer is reused this long: the check reads the whole file. */
const HEALTH_CACHE_MS = 2_000;

export interface SqliteStoreOptions {
  clock?: () => number;
  /** Write deadline (default WRITE_TIMEOUT_MS). */
  writeTimeoutMs?: number;
  /** The file, for messages and the health check (default: the database's own file name). */
  path?: string;
  /** This process's host: stamped on an agent whose session it registers (agents.host). */
  host?: string;
}

/**
 * The Store over one SQLite file shared by every server process (better-sqlite3, WAL).
 *
 * better-sqlite3 runs each statement synchronously on the calling thread, so nothing here may wait
 * inside SQLite: the busy timeout is a few milliseconds, and a write that finds the database locked
 * by another process is retried after an asynchronous pause (the event loop keeps serving) until the
 * write deadline, then fails with StoreBusyError having written nothing. Each write is one short
 * IMMEDIATE transaction, so it takes the write lock up front instead of failing on a lock upgrade.
 * Reads never wait for a writer (WAL). A damaged file (SQLITE_CORRUPT) turns into StoreDamagedError,
 * and once the store has seen damage it refuses further writes.
 */
export class SqliteStore implements Store {
  readonly path: string;
  private readonly q: Record<string, Statement>;
  private eventsSincePrune = 0;
  /** One transaction wrapper for every write (better-sqlite3 builds a new one per transaction() call). */
  private readonly transaction;
  private readonly clock: () => number;
  private readonly writeTimeoutMs: number;
  private readonly host: string | null;
  private readonly hosts: SqliteHosts;
  private healthCache: { at: number; value: Promise<StoreHealth> } | undefined;
  private closed = false;

  /** Opens (creating, migrating) the file: see openDatabase. */
  static open(path: string, opts: SqliteStoreOptions = {}): SqliteStore {
    return new SqliteStore(openDatabase(path), { path, ...opts });
  }

  constructor(
    readonly db: Database,
    opts: SqliteStoreOptions | (() => number) = {},
  ) {
    const o = typeof opts === 'function' ? { clock: opts } : opts;
    this.clock = o.clock ?? Date.now;
    this.writeTimeoutMs = o.writeTimeoutMs ?? WRITE_TIMEOUT_MS;
    this.host = o.host ?? null;
    this.hosts = new SqliteHosts(db);
    this.path = o.path ?? (db.memory ? ':memory:' : db.name);
    this.transaction = db.transaction((fn: () => unknown) => fn());
    this.q = {
      spaceByKey: db.prepare(`SELECT id, name FROM spaces WHERE name_key = ?`),
      insertSpace: db.prepare(`INSERT INTO spaces (name, name_key, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`),
      agent: db.prepare(`${AGENT_SELECT} WHERE s.name_key = ? AND a.name_key = ?`),
      agentsInSpace: db.prepare(`${AGENT_SELECT} WHERE s.name_key = ? ORDER BY a.name_key`),
      allAgents: db.prepare(`${AGENT_SELECT} ORDER BY s.name_key, a.name_key`),
      parentOf: db.prepare(`SELECT parent FROM agents WHERE space_id = ? AND name_key = ?`),
      insertAgent: db.prepare(
        `INSERT INTO agents (space_id, name, name_key, status, summary, created_at, updated_at)
         VALUES (?, ?, ?, 'idle', ?, ?, ?) ON CONFLICT (space_id, name_key) DO NOTHING`,
      ),
      register: db.prepare(`
        UPDATE agents SET
          session_id   = COALESCE(@session_id, session_id),
          backend_type = COALESCE(@backend_type, backend_type),
          agent_kind   = COALESCE(@agent_kind, agent_kind),
          host         = CASE WHEN @session_id IS NOT NULL THEN COALESCE(@host, host) ELSE host END,
          parent       = CASE WHEN parent IS NULL OR parent = '' THEN COALESCE(@parent, parent) ELSE parent END,
          role         = CASE WHEN role IS NULL OR role = '' THEN COALESCE(@role, role) ELSE role END,
          updated_at   = @now
        WHERE space_id = @space_id AND name_key = @name_key
        RETURNING *`),
      report: db.prepare(`
        UPDATE agents SET
          status = @status, summary = @summary, branch = @branch, worktree = @worktree, pr = @pr, phase = @phase,
          test_count = @test_count, items = @items, sections = @sections, questions = @questions,
          blockers = @blockers, next_steps = @next_steps, free_text = @free_text, documents = @documents,
          session_id   = COALESCE(@session_id, session_id),
          host         = CASE WHEN @session_id IS NOT NULL THEN COALESCE(@host, host) ELSE host END,
          backend_type = COALESCE(@backend_type, backend_type),
          repo_url     = COALESCE(@repo_url, repo_url),
          parent       = COALESCE(@parent, parent),
          role         = COALESCE(@role, role),
          updated_at = @now, reported_at = @now
        WHERE space_id = @space_id AND name_key = @name_key
        RETURNING *`),
      history: db.prepare(
        `INSERT INTO status_history (space, agent, status, summary, report, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      releaseSession: db.prepare(
        `UPDATE agents SET session_id = NULL, updated_at = @now
         WHERE space_id = (SELECT id FROM spaces WHERE name_key = @space_key) AND name_key = @name_key AND session_id = @session_id`,
      ),
      deleteAgent: db.prepare(`DELETE FROM agents WHERE space_id = ? AND name_key = ?`),
      setLaunch: db.prepare(`
        UPDATE agents SET
          program_session_id = CASE WHEN @set_id THEN @program_session_id ELSE program_session_id END,
          launch_command     = CASE WHEN @set_command THEN @launch_command ELSE launch_command END,
          work_dir           = CASE WHEN @set_dir THEN @work_dir ELSE work_dir END,
          updated_at = @now
        WHERE space_id = (SELECT id FROM spaces WHERE name_key = @space_key) AND name_key = @name_key`),
      insertEvent: db.prepare(`INSERT INTO events (space, kind, payload, created_at) VALUES (?, ?, ?, ?) RETURNING id`),
      eventsSince: db.prepare(`SELECT id, space, kind, payload, created_at FROM events WHERE id > ? ORDER BY id LIMIT ?`),
      lastEventId: db.prepare(`SELECT COALESCE(MAX(id), 0) AS id FROM events`),
      latestEvents: db.prepare(
        `SELECT id, space, kind, payload, created_at FROM events
         WHERE id IN (SELECT MAX(id) FROM events WHERE kind = ? GROUP BY space) ORDER BY id`,
      ),
      pruneEvents: db.prepare(`DELETE FROM events WHERE id <= (SELECT MAX(id) FROM events) - ?`),
      acquireLease: db.prepare(`
        INSERT INTO leases (name, holder, expires_at) VALUES (@name, @holder, @expires)
        ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
          WHERE leases.holder = excluded.holder OR leases.expires_at < @now`),
      releaseLease: db.prepare(`DELETE FROM leases WHERE name = ? AND holder = ?`),
      enqueueTicket: db.prepare(
        `INSERT INTO action_tickets (queue, holder, host, pid, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
      ),
      tickets: db.prepare(`SELECT id, queue, holder, host, pid, created_at, expires_at FROM action_tickets WHERE queue = ? ORDER BY id`),
      renewTicket: db.prepare(`UPDATE action_tickets SET expires_at = ? WHERE id = ?`),
      removeTicket: db.prepare(`DELETE FROM action_tickets WHERE id = ?`),
    };
  }

  async getAgent(space: string, agent: string): Promise<AgentRecord | undefined> {
    return this.read(() => this.agentNow(space, agent));
  }

  async listAgents(space?: string): Promise<AgentRecord[]> {
    return this.read(() => {
      const rows = (space === undefined ? this.q.allAgents!.all() : this.q.agentsInSpace!.all(key(space))) as AgentRow[];
      return rows.map(toRecord);
    });
  }

  async register(space: string, agent: string, reg: Registration): Promise<{ record: AgentRecord; created: boolean }> {
    return this.write('register the session', () => {
      const now = this.clock();
      const { spaceId, spaceName, created } = this.ensureAgent(space, agent, now);
      if (reg.parent !== undefined) this.checkParent(spaceId, agent, reg.parent, true);
      if (reg.session_id !== undefined) {
        for (const other of reg.takeSessionFrom ?? []) {
          this.q.releaseSession!.run({ space_key: key(other.space), name_key: key(other.agent), session_id: reg.session_id, now });
        }
      }
      const row = this.q.register!.get({
        space_id: spaceId,
        name_key: key(agent),
        session_id: reg.session_id ?? null,
        backend_type: reg.backend_type ?? null,
        agent_kind: reg.agent_kind ?? null,
        parent: reg.parent ?? null,
        role: reg.role ?? null,
        host: this.host,
        now,
      });
      const record = toRecord({ ...(row as Omit<AgentRow, 'space_name'>), space_name: spaceName });
      this.insertEvent('agent_registered', record.space, { space: record.space, agent: record.name, session_id: record.session_id });
      return { record, created };
    });
  }

  async report(space: string, agent: string, report: Report): Promise<AgentRecord> {
    return this.write('store the report', () => {
      const now = this.clock();
      const { spaceId, spaceName } = this.ensureAgent(space, agent, now);
      if (report.parent) this.checkParent(spaceId, agent, report.parent, false);
      const row = this.q.report!.get({
        space_id: spaceId,
        name_key: key(agent),
        status: report.status,
        summary: report.summary,
        branch: report.branch ?? null,
        worktree: report.worktree ?? null,
        pr: report.pr ?? null,
        phase: report.phase ?? null,
        test_count: report.test_count ?? null,
        items: toJson(report.items),
        sections: toJson(report.sections),
        questions: toJson(report.questions),
        blockers: toJson(report.blockers),
        next_steps: report.next_steps ?? null,
        free_text: report.free_text ?? null,
        documents: toJson(report.documents),
        session_id: report.session_id || null,
        backend_type: report.backend_type || null,
        repo_url: report.repo_url || null,
        parent: report.parent || null,
        role: report.role || null,
        host: this.host,
        now,
      });
      const record = toRecord({ ...(row as Omit<AgentRow, 'space_name'>), space_name: spaceName });
      this.q.history!.run(record.space, record.name, report.status, report.summary, JSON.stringify(report), now);
      this.insertEvent('agent_updated', record.space, {
        space: record.space,
        agent: record.name,
        status: record.status,
        summary: record.summary,
      });
      return record;
    });
  }

  async parentChain(space: string, agent: string): Promise<string[]> {
    return this.read(() => {
      const sp = this.q.spaceByKey!.get(key(space)) as { id: number } | undefined;
      return sp ? this.chainFrom(sp.id, agent) : [agent];
    });
  }

  async deleteAgent(space: string, agent: string): Promise<boolean> {
    return this.write('delete the agent', () => {
      const sp = this.q.spaceByKey!.get(key(space)) as { id: number } | undefined;
      if (!sp) return false;
      const rec = this.agentNow(space, agent);
      if (!rec) return false;
      this.q.deleteAgent!.run(sp.id, key(agent));
      this.insertEvent('agent_deleted', rec.space, { space: rec.space, agent: rec.name });
      return true;
    });
  }

  async setLaunch(space: string, agent: string, fields: LaunchFields): Promise<boolean> {
    return this.write('record how the agent is started', () =>
      this.q.setLaunch!.run({
        space_key: key(space),
        name_key: key(agent),
        set_id: fields.program_session_id !== undefined ? 1 : 0,
        program_session_id: fields.program_session_id ?? null,
        set_command: fields.launch_command !== undefined ? 1 : 0,
        launch_command: fields.launch_command ?? null,
        set_dir: fields.work_dir !== undefined ? 1 : 0,
        work_dir: fields.work_dir ?? null,
        now: this.clock(),
      }).changes > 0,
    );
  }

  async appendEvent(kind: string, space: string | null, payload: unknown): Promise<number> {
    return this.write('record the event', () => this.insertEvent(kind, space, payload));
  }

  async eventsSince(id: number, limit = 500): Promise<StoredEvent[]> {
    return this.read(() => {
      const rows = this.q.eventsSince!.all(id, limit) as { id: number; space: string | null; kind: string; payload: string; created_at: number }[];
      return rows.map((r) => ({ ...r, payload: parseJson(r.payload) }));
    });
  }

  async latestEvents(kind: string): Promise<StoredEvent[]> {
    return this.read(() => {
      const rows = this.q.latestEvents!.all(kind) as { id: number; space: string | null; kind: string; payload: string; created_at: number }[];
      // The newest per space as names are matched (nameKey), folded here: SQLite folds ASCII letters only.
      const newest = new Map<string | null, (typeof rows)[number]>();
      for (const r of rows) newest.set(r.space === null ? null : key(r.space), r); // rows come in id order
      return [...newest.values()].sort((a, b) => a.id - b.id).map((r) => ({ ...r, payload: parseJson(r.payload) }));
    });
  }

  async lastEventId(): Promise<number> {
    return this.read(() => (this.q.lastEventId!.get() as { id: number }).id);
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return this.write('renew the lease', () => {
      const now = this.clock();
      return this.q.acquireLease!.run({ name, holder, expires: now + ttlMs, now }).changes > 0;
    });
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.write('release the lease', () => this.q.releaseLease!.run(name, holder));
  }

  async enqueueTicket(queue: string, owner: TicketOwner, expiresAt: number): Promise<number> {
    return this.write('queue the action', () => {
      const row = this.q.enqueueTicket!.get(queue, owner.holder, owner.host, owner.pid, this.clock(), expiresAt) as { id: number };
      return row.id;
    });
  }

  async tickets(queue: string): Promise<Ticket[]> {
    return this.read(() => this.q.tickets!.all(queue) as Ticket[]);
  }

  async renewTicket(id: number, expiresAt: number): Promise<boolean> {
    return this.write('renew the action ticket', () => this.q.renewTicket!.run(expiresAt, id).changes > 0);
  }

  async removeTickets(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.write('remove action tickets', () => {
      for (const id of ids) this.q.removeTicket!.run(id);
    });
  }

  // Hosts and their actions (sqlite-hosts.ts): the contract of hubs sharing a store, on SQLite too.
  publishHost(host: Parameters<Store['publishHost']>[0], rows: Parameters<Store['publishHost']>[1]): Promise<void> {
    return this.write('publish the host liveness', () => this.hosts.publish(host, rows, this.clock()));
  }
  stopHost(name: string): Promise<void> {
    return this.write('stop the host', () => this.hosts.stop(name, this.clock()));
  }
  hostLiveness(): Promise<{ hosts: HostRecord[]; rows: PublishedRow[] }> {
    return this.read(() => this.hosts.view());
  }
  queueRemoteAction(a: Parameters<Store['queueRemoteAction']>[0]): Promise<number> {
    return this.write('queue the action for its host', () => this.hosts.queue(a, this.clock()));
  }
  claimRemoteAction(host: string): Promise<RemoteAction | undefined> {
    return this.write('claim a queued action', () => this.hosts.claim(host, this.clock()));
  }
  async finishRemoteAction(id: number, state: 'done' | 'failed', outcome: unknown): Promise<void> {
    await this.write('record the action outcome', () => this.hosts.finish(id, state, outcome, this.clock()));
  }
  remoteAction(id: number): Promise<RemoteAction | undefined> {
    return this.read(() => this.hosts.action(id));
  }
  cancelRemoteAction(id: number): Promise<boolean> {
    return this.write('withdraw the action', () => this.hosts.cancel(id, this.clock()));
  }

  /**
   * Sound when SQLite's quick_check of the file on disk passes (run in a worker, answer reused for
   * HEALTH_CACHE_MS) and no query has met a damaged page.
   */
  async health(): Promise<StoreHealth> {
    if (this.closed) return { ok: false, detail: 'the store is closed' };
    const damage = damageOf(this.db);
    if (damage !== undefined) return { ok: false, detail: new StoreDamagedError(this.path, damage).message };
    const now = Date.now();
    if (this.healthCache && now - this.healthCache.at < HEALTH_CACHE_MS) return this.healthCache.value;
    const value = this.checkHealth();
    this.healthCache = { at: now, value };
    return value;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  // ── helpers ──────────────────────────────────────────────────────────────

  private async checkHealth(): Promise<StoreHealth> {
    if (this.db.memory) {
      const problem = quickCheck(this.db);
      return problem === undefined ? { ok: true, detail: 'ok' } : this.damaged(problem);
    }
    const r = await checkFileIntegrity(this.path);
    if (r.ok || r.busy) return { ok: true, detail: 'ok' };
    if (r.damaged) return this.damaged(r.detail ?? 'quick_check failed');
    return { ok: false, detail: `error: ${r.detail ?? 'integrity check failed'}` };
  }

  private damaged(detail: string): StoreHealth {
    markDamaged(this.db, detail);
    return { ok: false, detail: new StoreDamagedError(this.path, detail).message };
  }

  /** Runs a read; a busy database (rare under WAL: recovery after a crash) is retried asynchronously. */
  private async read<T>(fn: () => T): Promise<T> {
    return guarded(this.db, 'read', fn, { write: false, deadlineMs: this.writeTimeoutMs, path: this.path });
  }

  /** Runs `fn` in one IMMEDIATE transaction, retried asynchronously while another process holds the lock. */
  private async write<T>(what: string, fn: () => T): Promise<T> {
    return guarded(this.db, what, () => this.transaction.immediate(fn) as T, { write: true, deadlineMs: this.writeTimeoutMs, path: this.path });
  }

  private agentNow(space: string, agent: string): AgentRecord | undefined {
    const row = this.q.agent!.get(key(space), key(agent)) as AgentRow | undefined;
    return row && toRecord(row);
  }

  /** Inside a write transaction: appends an event, pruning old ones now and then. */
  private insertEvent(kind: string, space: string | null, payload: unknown): number {
    const { id } = this.q.insertEvent!.get(space, kind, JSON.stringify(payload), this.clock()) as { id: number };
    if (++this.eventsSincePrune >= 500) {
      this.eventsSincePrune = 0;
      this.q.pruneEvents!.run(EVENTS_KEPT);
    }
    return id;
  }

  /** Creates space and agent when new (the first spelling of each name is kept). */
  private ensureAgent(space: string, agent: string, now: number): { spaceId: number; spaceName: string; created: boolean } {
    let sp = this.q.spaceByKey!.get(key(space)) as { id: number; name: string } | undefined;
    if (!sp) sp = { id: (this.q.insertSpace!.get(space, key(space), now, now) as { id: number }).id, name: space };
    const created = this.q.insertAgent!.run(sp.id, agent, key(agent), `${agent}: awaiting ignition`, now, now).changes > 0;
    return { spaceId: sp.id, spaceName: sp.name, created };
  }

  /**
   * Refuses a parent link to the agent itself or one that closes a loop. `onlyIfEmpty`: the link
   * will only be written when the agent has no parent yet, so an existing parent is not checked.
   */
  private checkParent(spaceId: number, agent: string, parent: string, onlyIfEmpty: boolean): void {
    if (key(parent) === key(agent)) throw new ParentCycleError(agent, parent, true);
    if (onlyIfEmpty) {
      const cur = this.q.parentOf!.get(spaceId, key(agent)) as { parent: string | null } | undefined;
      if (cur?.parent) return;
    }
    if (this.chainFrom(spaceId, parent).some((name) => key(name) === key(agent))) throw new ParentCycleError(agent, parent, false);
  }

  /** `name`, its parent, its parent's parent, … up to an agent without one (or a name seen before). */
  private chainFrom(spaceId: number, name: string): string[] {
    const chain: string[] = [];
    const seen = new Set<string>();
    for (let cursor: string | null = name; cursor && !seen.has(key(cursor)); ) {
      seen.add(key(cursor));
      chain.push(cursor);
      const row = this.q.parentOf!.get(spaceId, key(cursor)) as { parent: string | null } | undefined;
      cursor = row?.parent ?? null;
    }
    return chain;
  }
}
