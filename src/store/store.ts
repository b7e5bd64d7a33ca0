/**
 * The store: what the core keeps between calls and shares between processes. This file is the
 * contract only (types, the `Store` interface and the errors every implementation throws); the
 * SQLite implementation is `sqlite-store.ts`. Every method returns a Promise, so an implementation
 * over the network (PostgreSQL) fits the same interface.
 */

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
  /** The agent program it runs (e.g. "claude-code"); null: never named, the backend's default. */
  agent_kind: string | null;
  /** The agent program's own id of its conversation (e.g. Claude Code's session id); null: not known. */
  program_session_id: string | null;
  /** The command spawn_agent started the program with (before its absolute path was found); null: not started by spawn_agent. */
  launch_command: string | null;
  /** The directory the agent's program runs in (absolute); null: not known. */
  work_dir: string | null;
  /** The host whose hub owns its session (set with the session); null: never named (the local one). */
  host: string | null;
}

/** What restarts an agent with its conversation (resume_agent); a field left out keeps its value, null clears it. */
export interface LaunchFields {
  program_session_id?: string | null;
  launch_command?: string | null;
  work_dir?: string | null;
}

export interface Report extends ReportFields, StickyFields {
  status: AgentStatus;
  summary: string;
}

export interface Registration {
  session_id?: string;
  backend_type?: string;
  /** The agent program (overwrites the stored one; omitted: the stored one is kept). */
  agent_kind?: string;
  parent?: string;
  role?: string;
  /**
   * Agents whose registration of the same session ends in the same write (their session becomes
   * none), when this agent takes the session over; each only while it still holds `session_id`.
   */
  takeSessionFrom?: readonly { space: string; agent: string }[];
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

/** Who holds a ticket in an action queue: enough for another process to tell that it is gone. */
export interface TicketOwner {
  /** Unique per process (and per coordinator). */
  holder: string;
  host: string;
  pid: number;
}

/** A place in a FIFO action queue (one queue per agent session); the lowest live id acts. */
export interface Ticket extends TicketOwner {
  id: number;
  queue: string;
  created_at: number;
  /** The owner renews this while it waits and acts; past it, the ticket is stale. */
  expires_at: number;
}

/** A hub's lease on its host (hubs on several hosts sharing one database). */
export interface HostRecord {
  name: string;
  pid: number;
  started_at: number;
  /** The last renewal. */
  seen_at: number;
  /** Past this, the host's sessions read unknown. */
  expires_at: number;
  /** Its hub shut down (set by stopHost): its sessions read unknown at once. */
  stopped_at: number | null;
}

/** A liveness row a host's monitor published for one of its own sessions. */
export interface PublishedRow {
  space: string;
  agent: string;
  host: string;
  row: unknown;
  updated_at: number;
}

/** Notification channels (Store.listen): an action was queued for a host (payload: the host), an action's outcome is in (payload: its id). */
export const ACTIONS_CHANNEL = 'boss_actions';
/** Notification channel of the SSE feed: an event was appended (payload: its id). */
export const EVENTS_CHANNEL = 'boss_events';
export const ACTION_DONE_CHANNEL = 'boss_action_done';

/** An action queued for the hub of another host (see migration 8). */
export interface RemoteAction {
  id: number;
  host: string;
  from_host: string;
  kind: string;
  caller: unknown;
  input: unknown;
  state: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  /** done: `{ result }`; failed: `{ error: { code, message, retry_after? } }`. */
  outcome: unknown;
  created_at: number;
  deadline: number;
}

export interface StoreHealth {
  ok: boolean;
  /** "ok", or what is wrong in a sentence. */
  detail: string;
}

export interface Store {
  /** Where the data lives (a file path, or a server address), for messages that name it. */
  readonly path: string;
  getAgent(space: string, agent: string): Promise<AgentRecord | undefined>;
  /** Every agent (of one space, or all), ordered by space and name. */
  listAgents(space?: string): Promise<AgentRecord[]>;
  /** Creates space and agent when new; sets session, backend and agent kind (overwriting when given), parent and role when still empty. */
  register(space: string, agent: string, reg: Registration): Promise<{ record: AgentRecord; created: boolean }>;
  /** Applies one accepted report: replaces report fields, keeps sticky ones when omitted, appends history. */
  report(space: string, agent: string, report: Report): Promise<AgentRecord>;
  /** The agent's name, its parent, its parent's parent, … (stops at a name seen before: cycle-safe). */
  parentChain(space: string, agent: string): Promise<string[]>;
  deleteAgent(space: string, agent: string): Promise<boolean>;
  /** Sets the given launch fields of an existing agent; false when there is no such agent. */
  setLaunch(space: string, agent: string, fields: LaunchFields): Promise<boolean>;

  /** Appends an event for SSE subscribers in any process; returns its id (ids increase). */
  appendEvent(kind: string, space: string | null, payload: unknown): Promise<number>;
  eventsSince(id: number, limit?: number): Promise<StoredEvent[]>;
  lastEventId(): Promise<number>;
  /** The newest event of `kind` in each space (the table keeps the last 10,000 events only). */
  latestEvents(kind: string): Promise<StoredEvent[]>;

  /** Takes or renews a named lease; true when `holder` holds it until now + ttl. */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  releaseLease(name: string, holder: string): Promise<void>;

  /** Appends a ticket to the end of `queue`; returns its id. */
  enqueueTicket(queue: string, owner: TicketOwner, expiresAt: number): Promise<number>;
  /** The tickets of a queue in order (lowest id first). */
  tickets(queue: string): Promise<Ticket[]>;
  /** Extends a ticket; false when it is gone (removed as stale by another process). */
  renewTicket(id: number, expiresAt: number): Promise<boolean>;
  removeTickets(ids: readonly number[]): Promise<void>;

  /** Renews this host's lease and replaces the liveness rows it published (one transaction). */
  publishHost(host: { name: string; pid: number; expiresAt: number }, rows: readonly { space: string; agent: string; row: unknown }[]): Promise<void>;
  /** The host's hub shut down: its lease ends now. */
  stopHost(name: string): Promise<void>;
  /** Every host's lease and the rows the hosts published. */
  hostLiveness(): Promise<{ hosts: HostRecord[]; rows: PublishedRow[] }>;

  /** Queues an action for the hub of `host`; ids increase in commit order per host. */
  queueRemoteAction(a: { host: string; from_host: string; kind: string; caller: unknown; input: unknown; deadline: number }): Promise<number>;
  /** Claims the oldest queued action of `host` not past its deadline (queued → running), exactly once across hubs. */
  claimRemoteAction(host: string): Promise<RemoteAction | undefined>;
  finishRemoteAction(id: number, state: 'done' | 'failed', outcome: unknown): Promise<void>;
  remoteAction(id: number): Promise<RemoteAction | undefined>;
  /** Withdraws an action still queued; false when it was already claimed. */
  cancelRemoteAction(id: number): Promise<boolean>;

  /**
   * Wakes `onMessage` when another process signals on `channel` (PostgreSQL LISTEN/NOTIFY: the
   * store NOTIFYs `boss_actions` with the host when it queues an action, `boss_action_done` with the
   * id when one is answered). Absent on a store without notifications: callers poll.
   */
  listen?(channel: string, onMessage: (payload: string) => void): () => Promise<void>;

  /** Whether the store can serve: for SQLite, an integrity check of the file on disk. */
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}

/**
 * A write could not get the database within the write deadline because another process holds it.
 * Nothing was written; the same call can simply be made again.
 */
export class StoreBusyError extends Error {
  readonly retryAfterSeconds = 2;
  constructor(
    readonly what: string,
    readonly waitedMs: number,
  ) {
    super(
      `The database is locked by another process (waited ${Math.round(waitedMs / 100) / 10} s to ${what}); nothing was written. ` +
        `Retry in a few seconds. If this persists, look for a process holding boss.db open in a transaction (for example an sqlite3 shell) and end it.`,
    );
    this.name = 'StoreBusyError';
  }
}

/**
 * A networked database (PostgreSQL) cannot be reached or dropped the connection: the transaction was
 * rolled back (or never began), so nothing was written; the same call can be made again.
 */
export class StoreUnavailableError extends Error {
  readonly retryAfterSeconds = 2;
  constructor(
    /** The database's address without its password. */
    readonly where: string,
    readonly what: string,
    readonly detail: string,
  ) {
    super(
      `The database ${where} is unavailable (${detail}) and could not ${what}; nothing was written. ` +
        `Retry in a few seconds. If this persists, check that PostgreSQL is running and reachable from this host.`,
    );
    this.name = 'StoreUnavailableError';
  }
}

/** The database file is damaged: the store refuses to write to it. */
export class StoreDamagedError extends Error {
  constructor(
    readonly path: string,
    readonly cause_: string,
  ) {
    super(
      `The database file ${path} is damaged (${cause_}). Stop every agent-boss process using it, then restore boss.db from a backup, ` +
        `or move it aside (with its -wal and -shm files) so that a new empty one is created on the next start.`,
    );
    this.name = 'StoreDamagedError';
  }
}

/** The database was written by a newer agent-boss (a higher schema version); it is refused untouched. */
export class DatabaseTooNewError extends Error {
  constructor(path: string, found: number, known: number) {
    super(
      `Database ${path} has schema version ${found}, newer than this agent-boss (knows up to ${known}). ` +
        `Upgrade agent-boss-mcp, or point --data-dir at another directory.`,
    );
    this.name = 'DatabaseTooNewError';
  }
}

/**
 * The code of an error the database itself raised (disk full, a read-only file, …), or undefined
 * for anything else. Such a failure is not the caller's to fix; the answer names the store's file.
 */
export function databaseErrorCode(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = String((err as { code?: unknown }).code ?? '');
  if (code.startsWith('SQLITE_')) return code;
  return err.name === 'SqliteError' ? err.name : undefined;
}
