import { nameKey } from '../store/name-key.js';
import type { AgentRecord } from '../store/store.js';
import { DomainError } from './errors.js';

/**
 * Who is calling, and whom it may act on. A process bound to one agent (`--agent`, or
 * `X-Agent-Name` over HTTP) is bound to the pair (space, agent): `space` when given, else the
 * server's default space. It reports only for that agent in that space and acts (send input,
 * approve, interrupt, delete, stop) only on itself and the agents of that space it manages. A
 * caller without an agent is the operator and may do everything; its `space` only chooses the
 * default space of its calls. Zod-free, so the hook command can load it.
 */
export interface Caller {
  agent?: string;
  space?: string;
  /**
   * An HTTP caller of the default mode that names no agent and presented no operator credential
   * (the key in `<data-dir>/operator.key`, or the dashboard's login): not the operator. It reads
   * and speaks for the agents it names (names are taken on trust), but holds none of the
   * operator's powers (see refuseUnverified).
   */
  unverified?: true;
}

/** Refuses an operator's power to a caller that did not prove it is the operator. */
export function refuseUnverified(caller: Caller, what: string): void {
  if (caller.unverified) {
    throw new DomainError(
      'forbidden',
      `only the operator may ${what}: a caller that names no agent is the operator only with the operator key ` +
        `(Authorization: Bearer <the key in the hub's data directory, operator.key>; agent-boss commands read it, and the dashboard signs in with the one-time login link agent-boss serve prints). ` +
        `To act as an agent instead, send X-Agent-Name.`,
    );
  }
}

export const OPERATOR: Caller = Object.freeze({});

export interface Target {
  space: string;
  agent: string;
}

/** The space of a call (or a server) that names none. */
export const DEFAULT_SPACE = 'default';

/**
 * The space a call lands in when it names none: the caller's own space, else the server's default.
 * The one rule, for a Caller (Identity.spaceOf) and for the hook process, which has no Coordinator.
 */
export const spaceFor = (named: string | undefined, own: string | undefined, defaultSpace: string): string => named ?? own ?? defaultSpace;

/** Names are matched case-insensitively, spaces too: (web, Alice) is (WEB, alice). */
export { nameKey };
export const sameName = (a: string, b: string): boolean => nameKey(a) === nameKey(b);
/** One key per agent of a space, for maps and queues. */
export const agentKey = (space: string, agent: string): string => `${nameKey(space)}\u0000${nameKey(agent)}`;

const sameSpace = (a: { space: string }, b: { space: string }): boolean => sameName(a.space, b.space);
export const sameTarget = (a: Target, b: Target): boolean => sameSpace(a, b) && sameName(a.agent, b.agent);

/** The session spawn_agent makes for an agent (the name the legacy coordinator gave spawned agents): `{space}-{agent}`, lower-cased, `[a-z0-9_-]` only. */
export function sessionNameFor(space: string, agent: string): string {
  const name = `${space}-${agent}`
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return name.slice(0, 100) || 'agent';
}

/** Agent names the legacy routes use as path words. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['parent']);

export function checkName(agent: string): void {
  if (RESERVED_NAMES.has(nameKey(agent))) {
    throw new DomainError('validation', `agent name "${agent}" is reserved; choose another name.`);
  }
}

/** A request to register `sessionId` as the terminal of `target` (see Identity.checkClaim). */
export interface SessionClaim {
  target: Target;
  sessionId: string;
  /** `pane`: the session the caller's own process runs in; `known`: the target's current session, or the one spawn_agent names for it. */
  proof?: 'pane' | 'known';
  /** The other agents registered on the session now. */
  holders: readonly { space: string; name: string }[];
}

/** The rules of who may do what, given the server's defaults and a way to read an agent's parent chain. */
export class Identity {
  constructor(
    readonly defaultSpace: string,
    readonly defaultAgent: string | undefined,
    /** The agent's name followed by its parent, its parent's parent, … (cycle-safe, from the store). */
    private readonly chainOf: (space: string, agent: string) => Promise<string[]>,
  ) {}

  /** The (space, agent) pair a caller is bound to; undefined for the operator. */
  bindingOf(caller: Caller): Target | undefined {
    if (caller.agent === undefined) return undefined;
    return { space: spaceFor(undefined, caller.space, this.defaultSpace), agent: caller.agent };
  }

  /** The space a call lands in when it names none: the caller's binding, else the server's default. */
  spaceOf(caller: Caller, space?: string): string {
    return spaceFor(space, this.bindingOf(caller)?.space ?? caller.space, this.defaultSpace);
  }

  /** Fills in the space and agent a call left out, from the caller's binding and the server defaults. */
  resolveTarget(caller: Caller, input: { space?: string; agent?: string }): Target {
    const space = this.spaceOf(caller, input.space);
    const agent = input.agent ?? caller.agent ?? this.defaultAgent;
    if (!agent) {
      throw new DomainError(
        'validation',
        'agent is required: this server is not bound to an agent (start it with --agent NAME), so name the agent in the call.',
      );
    }
    return { space, agent };
  }

  /** A caller bound to (space, agent) may do this only for that very pair. */
  checkSelf(caller: Caller, target: Target, what: string, why = ': a server bound to an agent acts as that agent only'): void {
    const me = this.bindingOf(caller);
    if (me === undefined || sameTarget(me, target)) return;
    if (!sameSpace(me, target)) {
      throw new DomainError(
        'forbidden',
        `agent "${me.agent}" of space "${me.space}" cannot ${what} "${target.agent}" in space "${target.space}": an agent is bound to its own space. Call without space (or with space "${me.space}").`,
      );
    }
    throw new DomainError('forbidden', `agent "${me.agent}" cannot ${what} "${target.agent}"${why}.`);
  }

  /** Whether the agent bound as `me` may act on `agent` (its own space, its parent chain leads to `me`). */
  private async manages(me: Target, agent: { space: string; name: string }): Promise<boolean> {
    if (!sameSpace(me, agent)) return false;
    const chain = sameName(agent.name, me.agent) ? [agent.name] : await this.chainOf(agent.space, agent.name);
    return chain.some((name) => sameName(name, me.agent));
  }

  /**
   * The one rule for acting on another agent: the operator may act on anyone; a caller bound to
   * (space, agent) only on agents of its own space whose parent chain leads to it (itself included).
   */
  async authorize(caller: Caller, agent: AgentRecord, what: string, opts: { self?: boolean } = {}): Promise<void> {
    refuseUnverified(caller, `${what} "${agent.name}" without naming itself`);
    const me = this.bindingOf(caller);
    if (me === undefined) return;
    // A permission prompt asks the agent's operator or manager: the agent answering its own would
    // make every prompt a formality (a background `curl` of its own could approve them all).
    if (opts.self === false && sameSpace(me, agent) && sameName(agent.name, me.agent)) {
      throw new DomainError(
        'forbidden',
        `agent "${me.agent}" cannot ${what} itself: its permission prompts are answered by the operator or ${agent.parent ? `its manager "${agent.parent}"` : 'its manager'}, or by an approval rule the operator sets.`,
      );
    }
    if (!sameSpace(me, agent)) {
      throw new DomainError(
        'forbidden',
        `agent "${me.agent}" of space "${me.space}" cannot ${what} "${agent.name}" in space "${agent.space}": an agent acts only within its own space. Ask the operator.`,
      );
    }
    if (!(await this.manages(me, agent))) {
      throw new DomainError(
        'forbidden',
        `agent "${me.agent}" cannot ${what} "${agent.name}": an agent may act only on itself and the agents it manages (their parent chain leads to it). Ask the operator or ${agent.parent ? `"${agent.parent}"` : "the agent's manager"}.`,
      );
    }
  }

  /**
   * Spawning: the operator may spawn anything anywhere; a bound caller spawns only into its own
   * space, only agents that report to it (their parent is the spawner), and re-spawns an agent
   * already registered only when it may act on it (it is itself or one it manages): it must not
   * start another manager's agent with its own command. Returns the parent the spawned agent gets.
   */
  async checkSpawn(caller: Caller, target: Target, parent: string | undefined, existing: AgentRecord | undefined): Promise<string | undefined> {
    refuseUnverified(caller, 'spawn an agent without naming itself');
    const me = this.bindingOf(caller);
    if (me === undefined) return parent;
    if (!sameSpace(me, target)) {
      throw new DomainError(
        'forbidden',
        `agent "${me.agent}" of space "${me.space}" cannot spawn "${target.agent}" in space "${target.space}": an agent spawns only into its own space. Call without space (or with space "${me.space}"), or ask the operator.`,
      );
    }
    if (parent !== undefined && !sameName(parent, me.agent)) {
      throw new DomainError('forbidden', `agent "${me.agent}" may spawn only agents that report to it: leave out parent, or set it to "${me.agent}".`);
    }
    if (existing !== undefined && !(await this.manages(me, existing))) {
      throw new DomainError(
        'forbidden',
        `agent "${me.agent}" cannot spawn "${existing.name}": that agent is registered already and ${existing.parent ? `reports to "${existing.parent}"` : 'reports to no one'}, so only ${existing.parent ? `"${existing.parent}" (or its managers)` : 'the operator'} may start it again. Choose another name, or ask the operator.`,
      );
    }
    return me.agent;
  }

  /**
   * Where a hook event posted by `caller` lands: a bound caller's events land only in its own
   * binding (space and agent), whatever the body names; the operator's where the body says.
   */
  hookEventTarget(caller: Caller, named: { space?: string; agent?: string }): { space?: string; agent?: string } {
    // Hook events move an agent's state and are answered by rules: an unnamed caller records them only as the operator.
    refuseUnverified(caller, 'record hook events without naming the agent (X-Agent-Name)');
    const me = this.bindingOf(caller);
    if (me === undefined) return named;
    if (named.space !== undefined && !sameName(named.space, me.space)) {
      throw new DomainError(
        'forbidden',
        `agent "${me.agent}" of space "${me.space}" cannot record hook events in space "${named.space}": an agent's hook events land in its own space. Leave out space (or send "${me.space}").`,
      );
    }
    if (named.agent !== undefined && !sameName(named.agent, me.agent)) {
      throw new DomainError('forbidden', `agent "${me.agent}" cannot record hook events of "${named.agent}": an agent records only its own. Leave out agent (or send "${me.agent}").`);
    }
    return { space: me.space, agent: me.agent };
  }

  /**
   * The claim rule: whether `caller` may register `claim.sessionId` as the terminal of
   * `claim.target` (its input, approvals and captures then reach that terminal). The operator may
   * register any session. A bound caller needs proof or authority:
   * - proof: the session its own process runs in (`pane`: a stdio server or hook inside tmux), and
   *   short of that the target's current session or the one spawn_agent names for it (`known`);
   * - authority: every agent now registered on the session is one it may act on (itself or an
   *   agent it manages), and, for a session nobody holds, it manages the target (it is its manager).
   * A session proven by `pane` is the caller's whoever else is registered on it; a `known` one, or a
   * session held by others, only with authority over every holder.
   */
  async checkClaim(caller: Caller, claim: SessionClaim): Promise<void> {
    const me = this.bindingOf(caller);
    if (me === undefined || claim.proof === 'pane') return;
    const where = `session "${claim.sessionId}"`;
    for (const h of claim.holders) {
      if (!(await this.manages(me, h))) {
        throw new DomainError(
          'forbidden',
          `agent "${me.agent}" cannot register ${where} for "${claim.target.agent}": it is the terminal of agent "${h.name}" in space "${h.space}", which "${me.agent}" does not manage. ` +
            `Register the session "${claim.target.agent}" runs in, or ask the operator (or "${h.name}"'s manager) to move it. Nothing was changed.`,
        );
      }
    }
    if (claim.holders.length > 0 || claim.proof === 'known') return;
    if (!sameTarget(me, claim.target) && (await this.manages(me, { space: claim.target.space, name: claim.target.agent }))) return;
    throw new DomainError(
      'forbidden',
      `agent "${me.agent}" cannot register ${where} for "${claim.target.agent}": nothing shows it runs there (it is not the session this server runs in, nor the one spawn_agent made for it). ` +
        `Register from a stdio server (agent-boss stdio --agent ${me.agent}) started inside that session and leave session_id out, or ask the operator to register it (or to spawn the agent with spawn_agent). Nothing was changed.`,
    );
  }
}
