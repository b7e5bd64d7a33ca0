import { isDomainError } from './errors.js';
import type { Caller, Coordinator, LivenessRow } from './coordinator.js';
import { agentKey } from './identity.js';
import { readScreen } from './lifecycle.js';
import { LIVENESS_STATES, STATE_LABELS, type LivenessEventRow } from './liveness.js';
import type { LivenessState } from './fusion.js';
import { LIVENESS_EVENT } from './monitor.js';

/**
 * What the operator's dashboard shows on load: every agent's liveness row together with its place
 * in the team (parent, role), when it last reported, and since when its state holds. `since` comes
 * from the newest `session_liveness` event of the agent's space (written by the liveness monitor of
 * whichever process holds its lease), so every hub process answers the same; it is left out while
 * that event does not yet show the state the probe sees now. So are `approval_since` and
 * `prompt_since` (see LivenessEventRow).
 */
export interface OverviewAgent extends LivenessRow {
  parent: string | null;
  role: string | null;
  reported_at: string | null;
  /** Since when the agent has waited for approval without a break (over several prompts in a row). */
  approval_since?: string;
  /** When the current prompt (this prompt_id) was first seen: how long this prompt has waited. */
  prompt_since?: string;
}

export interface Overview {
  /** Newest event id before the probe: follow `/events` from here (Last-Event-ID) and nothing is missed. */
  event_id: number;
  agents: OverviewAgent[];
  /** Every state an agent can be in, in display order, with how it reads (the page keeps no list of its own). */
  states: { state: LivenessState; label: string }[];
}

const key = agentKey;

export async function agentOverview(coordinator: Coordinator, space?: string, host?: string): Promise<Overview> {
  // Read before probing: an event written meanwhile is replayed to the client rather than lost.
  const event_id = await coordinator.lastEventId();
  const rows = await coordinator.listLiveness(space, host);
  const records = new Map((await coordinator.listAgents(space)).map((a) => [key(a.space, a.name), a]));
  const seen = new Map<string, LivenessEventRow>();
  for (const ev of await coordinator.store.latestEvents(LIVENESS_EVENT)) {
    if (!Array.isArray(ev.payload)) continue;
    for (const r of ev.payload as LivenessEventRow[]) if (typeof r?.agent === 'string') seen.set(key(r.space, r.agent), r);
  }
  const agents = rows.map((r): OverviewAgent => {
    const rec = records.get(key(r.space, r.agent));
    const ev = seen.get(key(r.space, r.agent));
    const current = ev !== undefined && ev.state === r.state && ev.needs_approval === r.needs_approval && ev.prompt_id === r.prompt_id;
    return {
      ...r,
      parent: rec?.parent ?? null,
      role: rec?.role ?? null,
      reported_at: rec?.reported_at ?? null,
      ...(!r.since && current && { since: ev.since }),
      ...(current && ev.approval_since !== undefined && { approval_since: ev.approval_since }),
      ...(current && ev.prompt_since !== undefined && { prompt_since: ev.prompt_since }),
    };
  });
  return { event_id, agents, states: LIVENESS_STATES.map((state) => ({ state, label: STATE_LABELS[state] })) };
}

export interface AgentPreview {
  space: string;
  agent: string;
  /** The last lines of the terminal, or null when it cannot be read (see `error`). */
  lines: string[] | null;
  error?: string;
}

/** The last `lines` lines of every registered session of a space (or all spaces) the caller may see. */
export async function agentPreviews(coordinator: Coordinator, caller: Caller, opts: { space?: string; lines: number }): Promise<AgentPreview[]> {
  const agents = (await coordinator.listAgents(opts.space)).filter((a) => a.session_id);
  return Promise.all(
    agents.map(async (a): Promise<AgentPreview> => {
      try {
        const res = await readScreen(coordinator, caller, { space: a.space, agent: a.name, lines: opts.lines });
        return { space: a.space, agent: a.name, lines: res.lines };
      } catch (err) {
        if (!isDomainError(err)) throw err;
        return { space: a.space, agent: a.name, lines: null, error: err.message };
      }
    }),
  );
}
