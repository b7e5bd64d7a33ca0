import type { Database, Statement } from 'better-sqlite3';
import { parseJson, toAction, type RawAction } from './agent-rows.js';
import { nameKey } from './name-key.js';
import type { HostRecord, PublishedRow, RemoteAction } from './store.js';

/**
 * The hosts tables (migration 7) on SQLite, for SqliteStore: the same contract as on PostgreSQL (a
 * SQLite file serves one machine, so only tests and a single hub ever write them). Synchronous: the
 * store runs each call inside its write or read rule.
 */
export class SqliteHosts {
  private readonly q: Record<string, Statement>;

  constructor(db: Database) {
    this.q = {
      upsertHost: db.prepare(
        `INSERT INTO hosts (name, pid, started_at, seen_at, expires_at) VALUES (@name, @pid, @now, @now, @expires)
         ON CONFLICT (name) DO UPDATE SET pid = excluded.pid, seen_at = excluded.seen_at, expires_at = excluded.expires_at, stopped_at = NULL,
           started_at = CASE WHEN hosts.pid = excluded.pid AND hosts.stopped_at IS NULL THEN hosts.started_at ELSE excluded.started_at END`,
      ),
      clearHostRows: db.prepare(`DELETE FROM host_liveness WHERE host = ?`),
      putHostRow: db.prepare(
        `INSERT INTO host_liveness (space_key, agent_key, host, row, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (space_key, agent_key) DO UPDATE SET host = excluded.host, row = excluded.row, updated_at = excluded.updated_at`,
      ),
      stopHost: db.prepare(`UPDATE hosts SET stopped_at = @now, expires_at = MIN(expires_at, @now) WHERE name = @name`),
      hosts: db.prepare(`SELECT name, pid, started_at, seen_at, expires_at, stopped_at FROM hosts ORDER BY name`),
      queueAction: db.prepare(
        `INSERT INTO remote_actions (host, from_host, kind, caller, input, created_at, deadline) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      ),
      claimAction: db.prepare(
        `UPDATE remote_actions SET state = 'running', claimed_at = @now
         WHERE id = (SELECT id FROM remote_actions WHERE host = @host AND state = 'queued' AND deadline > @now ORDER BY id LIMIT 1) RETURNING *`,
      ),
      finishAction: db.prepare(`UPDATE remote_actions SET state = ?, outcome = ?, done_at = ? WHERE id = ?`),
      action: db.prepare(`SELECT * FROM remote_actions WHERE id = ?`),
      cancelAction: db.prepare(`UPDATE remote_actions SET state = 'cancelled', done_at = ? WHERE id = ? AND state = 'queued'`),
      hostRows: db.prepare(
        `SELECT COALESCE(s.name, h.space_key) AS space, COALESCE(a.name, h.agent_key) AS agent, h.host, h.row, h.updated_at FROM host_liveness h
         LEFT JOIN spaces s ON s.name_key = h.space_key LEFT JOIN agents a ON a.space_id = s.id AND a.name_key = h.agent_key`,
      ),
    };
  }

  publish(host: { name: string; pid: number; expiresAt: number }, rows: readonly { space: string; agent: string; row: unknown }[], now: number): void {
    this.q.upsertHost!.run({ name: host.name, pid: host.pid, now, expires: host.expiresAt });
    this.q.clearHostRows!.run(host.name);
    for (const r of rows) this.q.putHostRow!.run(nameKey(r.space), nameKey(r.agent), host.name, JSON.stringify(r.row), now);
  }

  stop(name: string, now: number): void {
    this.q.stopHost!.run({ name, now });
  }

  queue(a: { host: string; from_host: string; kind: string; caller: unknown; input: unknown; deadline: number }, now: number): number {
    return (this.q.queueAction!.get(a.host, a.from_host, a.kind, JSON.stringify(a.caller), JSON.stringify(a.input), now, a.deadline) as { id: number }).id;
  }

  claim(host: string, now: number): RemoteAction | undefined {
    const row = this.q.claimAction!.get({ host, now }) as RawAction | undefined;
    return row && toAction(row);
  }

  finish(id: number, state: 'done' | 'failed', outcome: unknown, now: number): void {
    this.q.finishAction!.run(state, JSON.stringify(outcome), now, id);
  }

  action(id: number): RemoteAction | undefined {
    const row = this.q.action!.get(id) as RawAction | undefined;
    return row && toAction(row);
  }

  cancel(id: number, now: number): boolean {
    return this.q.cancelAction!.run(now, id).changes > 0;
  }

  view(): { hosts: HostRecord[]; rows: PublishedRow[] } {
    return {
      hosts: this.q.hosts!.all() as HostRecord[],
      rows: (this.q.hostRows!.all() as (PublishedRow & { row: string })[]).map((r) => ({ ...r, row: parseJson(r.row) })),
    };
  }
}

