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
}

export const OPERATOR: Caller = Object.freeze({});

export interface Target {
  space: string;
  agent: string;
}

/** The space of a call (or a server) that names none. */
export const DEFAULT_SPACE = 'default';

/** Names are matched case-insensitively, spaces too: (web, Alice) is (WEB, alice). */
export const nameKey = (name: string): string => name.toLowerCase();
export const sameName = (a: string, b: string): boolean => nameKey(a) === nameKey(b);
/** One key per agent of a space, for maps and queues. */
export const agentKey = (space: string, agent: string): string => `${nameKey(space)}\u0000${nameKey(agent)}`;

const sameSpace = (a: { space: string }, b: { space: string }): boolean => sameName(a.space, b.space);
export const sameTarget = (a: Target, b: Target): boolean => sameSpace(a, b) && sameName(a.agent, b.agent);

/** Agent names the legacy routes use as path words. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['parent']);

export function checkName(agent: string): void {
  if (RESERVED_NAMES.has(nameKey(agent))) {
    throw new DomainError('validation', `agent name "${agent}" is reserved; choose another name.`);
  }
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
    return { space: caller.space ?? this.defaultSpace, agent: caller.agent };
  }

  /** The space a call lands in when it names none: the caller's binding, else the server's default. */
  spaceOf(caller: Caller, space?: string): string {
    return space ?? this.bindingOf(caller)?.space ?? caller.space ?? this.defaultSpace;
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

  /** Whether `target` is the agent this server runs as (the caller's binding, else --agent). */
  isSelf(caller: Caller, target: Target): boolean {
    const bound = this.bindingOf(caller) ?? (this.defaultAgent !== undefined ? { space: this.defaultSpace, agent: this.defaultAgent } : undefined);
    return bound !== undefined && sameTarget(bound, target);
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

  /**
   * The one rule for acting on another agent: the operator may act on anyone; a caller bound to
   * (space, agent) only on agents of its own space whose parent chain leads to it (itself included).
   */
  async authorize(caller: Caller, agent: AgentRecord, what: string): Promise<void> {
    const me = this.bindingOf(caller);
    if (me === undefined) return;
    if (!sameSpace(me, agent)) {
      throw new DomainError(
        'forbidden',
        `agent "${me.agent}" of space "${me.space}" cannot ${what} "${agent.name}" in space "${agent.space}": an agent acts only within its own space. Ask the operator.`,
      );
    }
    const chain = sameName(agent.name, me.agent) ? [agent.name] : await this.chainOf(agent.space, agent.name);
    if (!chain.some((name) => sameName(name, me.agent))) {
      throw new DomainError(
        'forbidden',
        `agent "${me.agent}" cannot ${what} "${agent.name}": an agent may act only on itself and the agents it manages (their parent chain leads to it). Ask the operator or ${agent.parent ? `"${agent.parent}"` : "the agent's manager"}.`,
      );
    }
  }
}
