import { hostname } from 'node:os';
import type { AgentRecord, HostRecord, PublishedRow, Store } from '../store/store.js';
import { backendNameOf } from '../backends/registry.js';
import { DomainError } from './errors.js';
import { agentKey, nameKey, type Caller, type Target } from './identity.js';
import { forwardAction, FORWARDED } from './remote-actions.js';
import type { LivenessRow } from './liveness.js';

/**
 * Hosts: hubs on several machines sharing one database (PostgreSQL), each owning the tmux server(s)
 * of its machine. An agent's row names the host whose hub registered its session (`agents.host`).
 * This process probes only the sessions of its own host; for the others it shows the rows their
 * hosts' monitors published (`publishHost`), and when a host's lease has expired (its hub was
 * killed, stopped, or cut off from the database), `unknown` with the reason and since when. Nothing
 * here waits on another host.
 *
 * With a store of one machine (SQLite) every session is local: `shared` is false.
 */
export interface HostsOptions {
  /** This process's host (`--host-name`, default the machine's hostname). */
  name: string;
  /** The store is shared by the hubs of several hosts. */
  shared: boolean;
}

/** A host's lease lifetime: renewed every monitor tick (1 s); past it the host's sessions read unknown. */
export const HOST_LEASE_MS = 5_000;

export class Hosts {
  readonly name: string;
  readonly shared: boolean;

  constructor(
    opts: HostsOptions | undefined,
    private readonly store: Store,
    private readonly clock: () => number,
    /** The agent program of an agent whose host published no row yet (the backend registry's answer). */
    private readonly kindOf: (a: AgentRecord) => string,
  ) {
    this.name = opts?.name ?? hostname();
    this.shared = opts?.shared ?? false;
  }

  /** The session is this host's to probe and act on (every session is, on an unshared store). */
  isLocal(agent: Pick<AgentRecord, 'host'>): boolean {
    return !this.shared || agent.host === null || nameKey(agent.host) === nameKey(this.name);
  }

  /**
   * Runs an action (send, approve, interrupt) on a session of another host through that host's hub
   * (remote-actions.ts): its answer, or undefined when the session is this host's.
   */
  async forward<T>(caller: Caller, target: Target, what: string): Promise<{ result: T } | undefined> {
    if (!this.shared || FORWARDED[what] === undefined) return undefined;
    const agent = await this.store.getAgent(target.space, target.agent);
    if (!agent || this.isLocal(agent)) return undefined;
    return { result: await forwardAction<T>({ store: this.store, from: this.name, clock: this.clock }, agent, caller, target, what) };
  }

  /**
   * spawn_agent with a host: started by the hub of that host (its tmux server), answered with its
   * result; undefined when the host is this one (or none is named, or the store is not shared).
   */
  async forwardSpawn<T>(caller: Caller, input: Target & { host?: string }): Promise<{ result: T } | undefined> {
    if (input.host === undefined || nameKey(input.host) === nameKey(this.name)) return undefined;
    if (!this.shared) {
      throw new DomainError('validation', `host "${input.host}": this hub's store is not shared with other hosts (it is host "${this.name}"); leave host out, or start the hubs with one PostgreSQL store (--store).`);
    }
    const { host, ...rest } = input;
    return { result: await forwardAction<T>({ store: this.store, from: this.name, clock: this.clock }, { name: input.agent, host }, caller, rest, 'spawn') };
  }

  /** Refuses an action on a session another host owns, naming that host. */
  checkLocal(agent: AgentRecord, what: string): void {
    if (this.isLocal(agent)) return;
    throw new DomainError(
      'conflict',
      `"${agent.name}" runs on host "${agent.host}", not on this hub's host "${this.name}": ${what} it through the hub of host "${agent.host}" (its dashboard or /mcp). Nothing was sent.`,
    );
  }

  /**
   * The liveness rows of `agents`, in their order: this host's from `probe`, the others' from what
   * their hosts published, each with its host. `host` keeps only the rows of that host.
   */
  async rows(agents: readonly AgentRecord[], probe: (local: AgentRecord[]) => Promise<LivenessRow[]>, host?: string): Promise<LivenessRow[]> {
    const wanted = host === undefined ? agents : agents.filter((a) => nameKey(a.host ?? this.name) === nameKey(host));
    const local = wanted.filter((a) => this.isLocal(a));
    const remote = wanted.filter((a) => !this.isLocal(a));
    const probed = await probe(local);
    const byKey = new Map<string, LivenessRow>();
    for (const r of probed) byKey.set(agentKey(r.space, r.agent), this.shared ? { ...r, host: this.name } : r);
    if (remote.length > 0) {
      const { hosts, rows } = await this.store.hostLiveness();
      const leases = new Map(hosts.map((h) => [nameKey(h.name), h]));
      const published = new Map(rows.map((r) => [agentKey(r.space, r.agent), r]));
      const now = this.clock();
      for (const a of remote) byKey.set(agentKey(a.space, a.name), remoteRow(a, leases.get(nameKey(a.host!)), published.get(agentKey(a.space, a.name)), now, this.kindOf));
    }
    return wanted.map((a) => byKey.get(agentKey(a.space, a.name))).filter((r): r is LivenessRow => r !== undefined);
  }

  /** Renews this host's lease and publishes the rows of its own sessions (the monitor, every tick). */
  async publish(rows: readonly LivenessRow[], pid: number): Promise<void> {
    const own = rows.filter((r) => r.host !== undefined && nameKey(r.host) === nameKey(this.name) && r.registered);
    await this.store.publishHost({ name: this.name, pid, expiresAt: this.clock() + HOST_LEASE_MS }, own.map((r) => ({ space: r.space, agent: r.agent, row: r })));
  }

  /** This host's hub shuts down: its sessions read unknown on the other hubs at once. */
  async leave(): Promise<void> {
    if (this.shared) await this.store.stopHost(this.name);
  }
}

/** A session of another host: the row its host published while its lease holds, else unknown with why and since when. */
function remoteRow(a: AgentRecord, lease: HostRecord | undefined, published: PublishedRow | undefined, now: number, kindOf: (a: AgentRecord) => string): LivenessRow {
  const last = published?.row as LivenessRow | undefined;
  const current = { status: a.status, summary: a.summary, updated_at: a.updated_at, host: a.host! };
  if (lease && lease.expires_at > now && last && last.session_id === a.session_id) return { ...last, ...current };
  const at = (t: number) => new Date(t).toISOString();
  const why = !lease
    ? `host "${a.host}" has no hub running on this database (none has started there yet)`
    : lease.expires_at > now
      ? `host "${a.host}" has not probed this session yet`
      : lease.stopped_at !== null
        ? `the hub of host "${a.host}" stopped at ${at(lease.stopped_at)}: its sessions cannot be seen until it runs again`
        : `the hub of host "${a.host}" has not renewed its lease since ${at(lease.seen_at)} (killed, stopped, or cut off from the database): its sessions cannot be seen until it runs again`;
  const since = lease && lease.expires_at <= now ? at(lease.stopped_at ?? lease.expires_at) : at(now);
  return {
    space: a.space,
    agent: a.name,
    session_id: a.session_id,
    backend: last?.backend ?? backendNameOf(a),
    agent_kind: last?.agent_kind ?? kindOf(a),
    registered: !!a.session_id,
    exists: last?.exists ?? false,
    state: 'unknown',
    needs_approval: false,
    source: 'screen',
    since,
    screen_state: 'unknown',
    host_down: why,
    stale: last?.stale ?? false,
    resumable: last?.resumable ?? false,
    ...current,
  };
}
