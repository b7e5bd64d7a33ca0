import type { Database, Statement } from 'better-sqlite3';
import { retryBusy } from './db.js';

export const AGENT_STATUSES = ['active', 'blocked', 'done', 'idle', 'error'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export interface Section {
  title: string;
  items?: string[];
  table?: { headers: string[]; rows: string[][] };
}
export interface Document {
  slug: string;
  title?: string;
  content: string;
}

/** The report fields an agent posts; replaced as a whole by each report. */
export interface ReportFields {
  branch?: string | null;
  worktree?: string | null;
  pr?: string | null;
  phase?: string | null;
  test_count?: number | null;
  items?: string[] | null;
  sections?: Section[] | null;
  questions?: string[] | null;
  blockers?: string[] | null;
  next_steps?: string | null;
  free_text?: string | null;
  documents?: Document[] | null;
}

/** Fields that keep their stored value when a report omits them. */
export interface StickyFields {
  session_id?: string | null;
  backend_type?: string | null;
  repo_url?: string | null;
  parent?: string | null;
  role?: string | null;
}

export interface AgentRecord extends Required<ReportFields>, Required<StickyFields> {
  space: string;
  name: string;
  status: AgentStatus;
  summary: string;
  created_at: string;
  updated_at: string;
  /** When the agent last reported status itself (null: registered only). */
  reported_at: string | null;
}

export interface Report extends ReportFields, StickyFields {
  status: AgentStatus;
  summary: string;
}

export interface Registration {
  session_id?: string;
  backend_type?: string;
  parent?: string;
  role?: string;
}

export interface StoredEvent {
  id: number;
  space: string | null;
  kind: string;
  payload: unknown;
  created_at: number;
}

/** A parent link that would point at the agent itself or close a loop. */
export class ParentCycleError extends Error {
  constructor(
    readonly agent: string,
    readonly parent: string,
    readonly selfParent: boolean,
  ) {
    super(selfParent ? `self-parent not allowed` : `parent cycle: ${parent} already descends from ${agent}`);
    this.name = 'ParentCycleError';
  }
}

interface AgentRow {
  id: number;
  space_id: number;
  space_name: string;
  name: string;
  name_key: string;
  status: string;
  summary: string;
  branch: string | null;
  worktree: string | null;
  pr: string | null;
  phase: string | null;
  test_count: number | null;
  items: string | null;
  sections: string | null;
  questions: string | null;
  blockers: string | null;
  next_steps: string | null;
  free_text: string | null;
  documents: string | null;
  session_id: string | null;
  backend_type: string | null;
  parent: string | null;
  role: string | null;
  repo_url: string | null;
  created_at: number;
  updated_at: number;
  reported_at: number | null;
}

const parseJson = <T>(text: string | null): T | null => {
  if (text === null || text === '') return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
};
const toJson = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));
const iso = (ms: number): string => new Date(ms).toISOString();

const toRecord = (r: AgentRow): AgentRecord => ({
  space: r.space_name,
  name: r.name,
  status: r.status as AgentStatus,
  summary: r.summary,
  branch: r.branch,
  worktree: r.worktree,
  pr: r.pr,
  phase: r.phase,
  test_count: r.test_count,
  items: parseJson<string[]>(r.items),
  sections: parseJson<Section[]>(r.sections),
  questions: parseJson<string[]>(r.questions),
  blockers: parseJson<string[]>(r.blockers),
  next_steps: r.next_steps,
  free_text: r.free_text,
  documents: parseJson<Document[]>(r.documents),
  session_id: r.session_id,
  backend_type: r.backend_type,
  parent: r.parent,
  role: r.role,
  repo_url: r.repo_url,
  created_at: iso(r.created_at),
  updated_at: iso(r.updated_at),
  reported_at: r.reported_at === null ? null : iso(r.reported_at),
});

const key = (name: string): string => name.toLowerCase();

const AGENT_SELECT = `SELECT a.*, s.name AS space_name FROM agents a JOIN spaces s ON s.id = a.space_id`;

/** How many SSE events to keep for replay; older ones are pruned. */
const EVENTS_KEPT = 10_000;

/**
 * Data access for the coordinator. Every write is one short IMMEDIATE transaction (so concurrent
 * processes queue on busy_timeout instead of failing on a lock upgrade) and is retried while busy.
 */
export class Store {
  private readonly q: Record<string, Statement>;
  private eventsSincePrune = 0;
  /** One transaction wrapper for every write (better-sqlite3 builds a new one per transaction() call). */
  private readonly transaction;

  constructor(
    readonly db: Database,
    private readonly clock: () => number = Date.now,
  ) {
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
      historyFor: db.prepare(
        `SELECT status, summary, report, created_at FROM status_history WHERE space = ? AND agent = ? ORDER BY id DESC LIMIT ?`,
      ),
      deleteAgent: db.prepare(`DELETE FROM agents WHERE space_id = ? AND name_key = ?`),
      insertEvent: db.prepare(`INSERT INTO events (space, kind, payload, created_at) VALUES (?, ?, ?, ?) RETURNING id`),
      eventsSince: db.prepare(`SELECT id, space, kind, payload, created_at FROM events WHERE id > ? ORDER BY id LIMIT ?`),
      lastEventId: db.prepare(`SELECT COALESCE(MAX(id), 0) AS id FROM events`),
      latestEvents: db.prepare(
        `SELECT id, space, kind, payload, created_at FROM events
         WHERE id IN (SELECT MAX(id) FROM events WHERE kind = ? GROUP BY lower(space)) ORDER BY id`,
      ),
      pruneEvents: db.prepare(`DELETE FROM events WHERE id <= (SELECT MAX(id) FROM events) - ?`),
      acquireLease: db.prepare(`
        INSERT INTO leases (name, holder, expires_at) VALUES (@name, @holder, @expires)
        ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
          WHERE leases.holder = excluded.holder OR leases.expires_at < @now`),
      releaseLease: db.prepare(`DELETE FROM leases WHERE name = ? AND holder = ?`),
    };
  }

  /** Runs `fn` in one IMMEDIATE transaction, retried while the database is busy. */
  write<T>(fn: () => T): T {
    return retryBusy(() => this.transaction.immediate(fn) as T);
  }

  getAgent(space: string, agent: string): AgentRecord | undefined {
    const row = this.q.agent!.get(key(space), key(agent)) as AgentRow | undefined;
    return row && toRecord(row);
  }

  listAgents(space?: string): AgentRecord[] {
    const rows = (space === undefined ? this.q.allAgents!.all() : this.q.agentsInSpace!.all(key(space))) as AgentRow[];
    return rows.map(toRecord);
  }

  /** Creates space and agent when new; sets session and backend (overwriting), parent and role when still empty. */
  register(space: string, agent: string, reg: Registration): { record: AgentRecord; created: boolean } {
    return this.write(() => {
      const now = this.clock();
      const { spaceId, spaceName, created } = this.ensureAgent(space, agent, now);
      if (reg.parent !== undefined) this.checkParent(spaceId, agent, reg.parent, true);
      const row = this.q.register!.get({
        space_id: spaceId,
        name_key: key(agent),
        session_id: reg.session_id ?? null,
        backend_type: reg.backend_type ?? null,
        parent: reg.parent ?? null,
        role: reg.role ?? null,
        now,
      });
      const record = toRecord({ ...(row as Omit<AgentRow, 'space_name'>), space_name: spaceName });
      this.appendEvent('agent_registered', record.space, { space: record.space, agent: record.name, session_id: record.session_id });
      return { record, created };
    });
  }

  /** Applies one accepted report: replaces report fields, keeps sticky ones when omitted, appends history. */
  report(space: string, agent: string, report: Report): AgentRecord {
    return this.write(() => {
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
        now,
      });
      const record = toRecord({ ...(row as Omit<AgentRow, 'space_name'>), space_name: spaceName });
      this.q.history!.run(record.space, record.name, report.status, report.summary, JSON.stringify(report), now);
      this.appendEvent('agent_updated', record.space, {
        space: record.space,
        agent: record.name,
        status: record.status,
        summary: record.summary,
      });
      return record;
    });
  }

  history(space: string, agent: string, limit = 50): { status: string; summary: string; report: unknown; created_at: string }[] {
    const rec = this.getAgent(space, agent);
    if (!rec) return [];
    const rows = this.q.historyFor!.all(rec.space, rec.name, limit) as { status: string; summary: string; report: string; created_at: number }[];
    return rows.map((r) => ({ status: r.status, summary: r.summary, report: parseJson(r.report), created_at: iso(r.created_at) }));
  }

  deleteAgent(space: string, agent: string): boolean {
    return this.write(() => {
      const sp = this.q.spaceByKey!.get(key(space)) as { id: number } | undefined;
      if (!sp) return false;
      const rec = this.getAgent(space, agent);
      if (!rec) return false;
      this.q.deleteAgent!.run(sp.id, key(agent));
      this.appendEvent('agent_deleted', rec.space, { space: rec.space, agent: rec.name });
      return true;
    });
  }

  /** Appends an event for SSE subscribers in any process; returns its id. */
  appendEvent(kind: string, space: string | null, payload: unknown): number {
    const run = () => {
      const { id } = this.q.insertEvent!.get(space, kind, JSON.stringify(payload), this.clock()) as { id: number };
      if (++this.eventsSincePrune >= 500) {
        this.eventsSincePrune = 0;
        this.q.pruneEvents!.run(EVENTS_KEPT);
      }
      return id;
    };
    return this.db.inTransaction ? run() : this.write(run);
  }

  eventsSince(id: number, limit = 500): StoredEvent[] {
    const rows = this.q.eventsSince!.all(id, limit) as { id: number; space: string | null; kind: string; payload: string; created_at: number }[];
    return rows.map((r) => ({ ...r, payload: parseJson(r.payload) }));
  }

  /** The newest event of `kind` in each space (the table keeps the last 10,000 events only). */
  latestEvents(kind: string): StoredEvent[] {
    const rows = this.q.latestEvents!.all(kind) as { id: number; space: string | null; kind: string; payload: string; created_at: number }[];
    return rows.map((r) => ({ ...r, payload: parseJson(r.payload) }));
  }

  lastEventId(): number {
    return (this.q.lastEventId!.get() as { id: number }).id;
  }

  /** Takes or renews a named lease; true when `holder` holds it until now + ttl. */
  acquireLease(name: string, holder: string, ttlMs: number): boolean {
    return this.write(() => {
      const now = this.clock();
      return this.q.acquireLease!.run({ name, holder, expires: now + ttlMs, now }).changes > 0;
    });
  }

  releaseLease(name: string, holder: string): void {
    this.write(() => this.q.releaseLease!.run(name, holder));
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
    const seen = new Set<string>();
    let cursor: string | null = parent;
    while (cursor) {
      const k = key(cursor);
      if (k === key(agent)) throw new ParentCycleError(agent, parent, false);
      if (seen.has(k)) break;
      seen.add(k);
      const row = this.q.parentOf!.get(spaceId, k) as { parent: string | null } | undefined;
      cursor = row?.parent ?? null;
    }
  }
}
