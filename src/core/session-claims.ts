import type { SessionBackend } from '../backends/session-backend.js';
import type { AgentRecord } from '../store/store.js';
import { DomainError } from './errors.js';
import { sameTarget, sessionNameFor, type Caller, type Identity, type SessionClaim, type Target } from './identity.js';
import { backendNameOf } from './records.js';

/**
 * Registering a session another agent is registered on: refuse while it runs (register_session,
 * unless it asks to take it over), take it over (its agent is left without a session), or only warn
 * (the legacy ignition, whose contract is to register).
 */
export type SharedSessionRule = 'refuse' | 'take_over' | 'warn';

/** What the claim rule needs to know of the agents (the coordinator). */
export interface ClaimFacts {
  identity: Identity;
  listAgents(): Promise<AgentRecord[]>;
}

/**
 * Checks that `caller` may register `sessionId` of `backend` as the terminal of `target`
 * (Identity.checkClaim), gathering the facts: who holds the session now, and what proves it is the
 * target's (`own`: the session the caller's own process runs in; the target's current session; the
 * session spawn_agent names for it). Answers the other agents registered on the session.
 */
export async function checkSessionClaim(
  facts: ClaimFacts,
  caller: Caller,
  target: Target,
  backend: { name: string },
  sessionId: string,
  known: { own?: string | undefined; current?: AgentRecord | undefined },
): Promise<AgentRecord[]> {
  const holders = (await facts.listAgents()).filter(
    (a) => a.session_id === sessionId && backendNameOf(a) === backend.name && !sameTarget({ space: a.space, agent: a.name }, target),
  );
  const current = known.current?.session_id === sessionId && backendNameOf(known.current) === backend.name;
  const proof: SessionClaim['proof'] =
    known.own !== undefined && known.own === sessionId ? 'pane' : current || sessionId === sessionNameFor(target.space, target.agent) ? 'known' : undefined;
  await facts.identity.checkClaim(caller, { target, sessionId, holders, ...(proof && { proof }) });
  return holders;
}

/**
 * What registering `sessionId` for `target` should tell (or refuse): a session that does not
 * exist now (a typo, or an agent that registers before it starts: kept, with a warning), and a
 * session other agents (`owners`) are registered on (two agents typing into one terminal), handled by `rule`.
 */
export async function sharedSessionOutcome(
  backend: SessionBackend,
  target: Target,
  sessionId: string,
  owners: readonly AgentRecord[],
  rule: SharedSessionRule,
): Promise<{ warnings: string[]; takeFrom: Target[] }> {
  const warnings: string[] = [];
  const where = `${backend.name} session "${sessionId}"`;
  const exists = await backend.sessionExists(sessionId).catch(() => undefined);
  if (exists === false) {
    warnings.push(
      `No ${where} exists now. If the agent starts in it later, this is fine; otherwise register again with the right session_id (tmux list-sessions shows the names).`,
    );
  }
  if (owners.length === 0) return { warnings, takeFrom: [] };
  const names = owners.map((a) => `agent "${a.name}" in space "${a.space}"`).join(' and ');
  if (rule === 'take_over') {
    warnings.push(`Took the session over from ${names}: ${owners.length === 1 ? 'it has' : 'they have'} no session now.`);
    return { warnings, takeFrom: owners.map((a) => ({ space: a.space, agent: a.name })) };
  }
  if (rule === 'refuse' && exists !== false) {
    throw new DomainError(
      'conflict',
      `The ${where} is already registered to ${names}: two agents on one terminal would type into each other's input. ` +
        `Pass the session "${target.agent}" runs in, or, if that terminal now runs "${target.agent}", register again with take_over: true (${owners.length === 1 ? 'the other agent is' : 'the others are'} then left without a session). Nothing was changed.`,
    );
  }
  warnings.push(
    `The ${where} is also registered to ${names}: input for either agent goes to the same terminal. Register one of them on its own session${rule === 'warn' ? '' : ' (or pass take_over: true)'}.`,
  );
  return { warnings, takeFrom: [] };
}
