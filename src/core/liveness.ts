import type { BlockedReason } from '../backends/blocked.js';
export { BLOCKED_REASONS } from '../backends/blocked.js';
import { isBackendError } from '../backends/errors.js';
import { backendNameOf, type BackendRegistry } from '../backends/registry.js';
import type { ScreenStateName, SessionProbe } from '../backends/session-backend.js';
import type { AgentRecord } from '../store/store.js';
import { fuseState, type FusedState, type LivenessState, type StateSource } from './fusion.js';
import { HookView, type ScreenSince } from './hook-view.js';

/**
 * The liveness states, listed once (for schemas and every consumer): what a screen can show (the
 * backends' ScreenStateName), which is also what the hooks can say. `gone`: the agent program
 * exited (its session-end hook, or a shell prompt / exit line back on its screen) though its terminal may
 * still be open.
 */
export const SCREEN_STATES = ['working', 'idle', 'waiting_approval', 'dead', 'missing', 'unknown', 'gone'] as const satisfies readonly ScreenStateName[];
export const LIVENESS_STATES = SCREEN_STATES satisfies readonly LivenessState[];
export const STATE_SOURCES = ['hook', 'screen', 'call', 'acp'] as const satisfies readonly StateSource[];
// Each list names every value of its type (a new state must be added here, and so to the schemas).
true satisfies [Exclude<ScreenStateName, (typeof SCREEN_STATES)[number]>] extends [never] ? true : false;
true satisfies [Exclude<LivenessState, (typeof LIVENESS_STATES)[number]>] extends [never] ? true : false;
true satisfies [Exclude<StateSource, (typeof STATE_SOURCES)[number]>] extends [never] ? true : false;

/** The states an agent can be resumed from: its program exited (dead, gone) or its session is gone (missing). */
export const RESUMABLE_STATES: ReadonlySet<LivenessState> = new Set(['missing', 'dead', 'gone']);

/** How each state reads to a person (list_liveness's summary, the dashboard's badges and counts). */
export const STATE_LABELS: Readonly<Record<LivenessState, string>> = {
  working: 'working',
  idle: 'idle',
  waiting_approval: 'waiting for approval',
  dead: 'exited',
  missing: 'session missing',
  unknown: 'unknown',
  gone: 'gone',
};

/** "2 working, 1 exited": how many rows are in each state, every state counted, in LIVENESS_STATES order. */
export function stateCounts(states: readonly LivenessState[], withZeros = true): string {
  return LIVENESS_STATES.map((s) => [states.filter((x) => x === s).length, STATE_LABELS[s]] as const)
    .filter(([n]) => withZeros || n > 0)
    .map(([n, label]) => `${n} ${label}`)
    .join(', ');
}

/**
 * One agent's liveness: its registration, what its session shows (the screen probe fused with its
 * program's hook state) and its last report. The one definition of this fact: list_liveness's
 * output schema is checked against it, and the legacy and event rows are views of it.
 */
export interface LivenessRow {
  space: string;
  agent: string;
  session_id: string | null;
  backend: string;
  /** The agent program it runs (its registered agent_kind, else its backend's default kind). */
  agent_kind: string;
  /** A session id is registered for the agent. */
  registered: boolean;
  exists: boolean;
  state: LivenessState;
  needs_approval: boolean;
  tool_name?: string;
  prompt_text?: string;
  prompt_id?: string;
  last_line?: string;
  // ── provenance (hooks fused with the screen, see fusion.ts) ──
  /** Where `state` comes from: a hook event of its program, or the screen. */
  source: StateSource;
  /** When the state began, as its source knows it (ISO time). */
  since: string;
  /** Exact input of the tool a pending prompt is about, and its command / file / URL / arguments (from the hook). */
  tool_input?: unknown;
  subject?: string;
  /** The screen's id of the same prompt, when prompt_id came from the hook (approve accepts either). */
  screen_prompt_id?: string;
  error?: string;
  /** Stuck on the model API: the agent gave up on this kind of error (from the screen or a hook's API error). */
  blocked?: BlockedReason;
  /** Retrying the model API (working): the program's status line saying so. */
  retrying?: string;
  /** The agent program exited (gone): the command that resumes it, when its screen shows one. */
  resume_command?: string;
  /** The agent program's own id of its conversation: the one its screen shows on exit, else the recorded one. */
  program_session_id?: string;
  /** resume_agent can restart it with its conversation: its program exited or its session is gone, and the conversation, its directory and a way to resume are known. */
  resumable: boolean;
  /** The pending prompt is a subagent's: its type. */
  subagent?: string;
  activity?: string;
  hook_state?: string;
  hook_event?: string;
  hook_at?: string;
  screen_state: ScreenStateName;
  /** The hook and the screen disagree: what each says and which the row follows. */
  conflict?: string;
  status: string;
  summary: string;
  updated_at: string;
  /** The agent has not reported for longer than the stale threshold. */
  stale: boolean;
  /** The host whose hub owns the session (hubs on several hosts sharing one store). */
  host?: string;
  /** That host's hub is not running (its lease expired or it stopped): why, with since when; the state is unknown. */
  host_down?: string;
}

/**
 * A row of a `session_liveness` event (written by the monitor, read by SSE clients and the
 * overview): what a session shows, without what changes constantly (last_line) or never.
 */
export type LivenessEventRow = Pick<LivenessRow, 'space' | 'agent' | 'exists' | 'state' | 'needs_approval' | 'tool_name' | 'prompt_text' | 'prompt_id' | 'source' | 'host'> & {
  /** Present (true) while resume_agent can restart it. */
  resumable?: true;
  /** The session id under its legacy name. */
  session: string | null;
  idle: boolean;
  /** When the monitor first saw the current state (ISO time). */
  since: string;
  /**
   * Since when the agent has been waiting for approval without a break (only while needs_approval):
   * over several prompts in a row, when the first of them was seen.
   */
  approval_since?: string;
  /** When the current prompt (this prompt_id) was first seen (only while needs_approval). */
  prompt_since?: string;
};

export function toEventRow(r: LivenessRow, since: number, approvalSince: number | undefined, promptSince?: number): LivenessEventRow {
  return {
    space: r.space,
    agent: r.agent,
    session: r.session_id,
    exists: r.exists,
    idle: r.state === 'idle',
    needs_approval: r.needs_approval,
    ...(r.tool_name !== undefined && { tool_name: r.tool_name }),
    ...(r.prompt_text !== undefined && { prompt_text: r.prompt_text }),
    ...(r.prompt_id !== undefined && { prompt_id: r.prompt_id }),
    state: r.state,
    ...(r.resumable && { resumable: true }),
    source: r.source,
    ...(r.host !== undefined && { host: r.host }),
    since: new Date(since).toISOString(),
    ...(approvalSince !== undefined && { approval_since: new Date(approvalSince).toISOString() }),
    ...(promptSince !== undefined && { prompt_since: new Date(promptSince).toISOString() }),
  };
}

export interface LivenessInputs {
  backends: BackendRegistry;
  hooks: HookView | undefined;
  screenSince: ScreenSince;
  staleAfterMs: number;
  now: number;
}

/**
 * One batched probe per backend (one listing of its terminal): session id → probe, per backend
 * name. Each session is read with the UI of its agent's kind; an agent of a kind the backend cannot
 * drive is not probed (its state stays "unknown"). A failing backend is left out.
 */
async function probeAll(agents: readonly AgentRecord[], backends: BackendRegistry): Promise<Map<string, Map<string, SessionProbe>>> {
  const byBackend = new Map<string, AgentRecord[]>();
  for (const a of agents) {
    const name = backendNameOf(a);
    if (!byBackend.has(name)) byBackend.set(name, []);
    byBackend.get(name)!.push(a);
  }
  const probes = new Map<string, Map<string, SessionProbe>>();
  await Promise.all(
    [...byBackend].map(async ([name, list]) => {
      if (!backends.has(name)) return;
      const backend = backends.backendByName(name);
      const known = new Set(backend.agentKinds());
      // Grouped by kind: sessions of the backend's own kind are read with its UI, the others with theirs.
      const ids = new Set<string>();
      const kinds = new Map<string, string>();
      for (const a of list) {
        if (!a.session_id) continue;
        const kind = backends.agentKindOf(a);
        if (!known.has(kind)) continue;
        ids.add(a.session_id);
        if (kind !== backend.agentKind) kinds.set(a.session_id, kind);
      }
      if (ids.size === 0) return;
      try {
        if (!(await backend.available())) return;
        probes.set(name, await backend.probeSessions([...ids], kinds.size ? { agentKinds: kinds } : {}));
      } catch (err) {
        if (!isBackendError(err)) throw err;
        // Unavailable or failing backend: its agents show state "unknown".
      }
    }),
  );
  return probes;
}

/** The liveness rows of `agents` (of `space`, or all spaces). Has no side effects. */
export async function livenessRows(agents: readonly AgentRecord[], space: string | undefined, io: LivenessInputs): Promise<LivenessRow[]> {
  const probes = await probeAll(agents, io.backends);
  const { now } = io;
  const hookStates = io.hooks ? await io.hooks.states(space) : undefined;
  const kindsOf = new Map<string, ReadonlySet<string>>();
  const canDrive = (backend: string, kind: string): boolean => {
    if (!io.backends.has(backend)) return false;
    let kinds = kindsOf.get(backend);
    if (!kinds) kindsOf.set(backend, (kinds = new Set(io.backends.backendByName(backend).agentKinds())));
    return kinds.has(kind);
  };
  return agents.map((a) => {
    const backend = backendNameOf(a);
    const kind = io.backends.agentKindOf(a);
    // An agent of a kind its backend cannot drive was not probed: another agent's probe of the same session is not its.
    const probe = a.session_id && canDrive(backend, kind) ? probes.get(backend)?.get(a.session_id) : undefined;
    const lastSeen = Date.parse(a.reported_at ?? a.updated_at);
    const row: LivenessRow = {
      space: a.space,
      agent: a.name,
      session_id: a.session_id,
      backend,
      agent_kind: kind,
      registered: !!a.session_id,
      exists: probe?.exists ?? false,
      state: probe?.state ?? 'unknown',
      needs_approval: probe?.approval.needsApproval ?? false,
      status: a.status,
      summary: a.summary,
      updated_at: a.updated_at,
      stale: now - lastSeen > io.staleAfterMs,
      source: 'screen',
      since: '',
      screen_state: probe?.state ?? 'unknown',
      resumable: false,
    };
    if (probe?.lastLine !== undefined) row.last_line = probe.lastLine;
    const screen = {
      state: row.screen_state,
      ...(probe?.approval.toolName !== undefined && { toolName: probe.approval.toolName }),
      ...(probe?.approval.promptText !== undefined && { promptText: probe.approval.promptText }),
      ...(probe?.approval.promptId !== undefined && { promptId: probe.approval.promptId }),
      ...(probe?.approval.subagent !== undefined && { subagent: probe.approval.subagent }),
      ...(probe?.resumeCommand !== undefined && { resumeCommand: probe.resumeCommand }),
      ...(probe?.blocked !== undefined && { blocked: probe.blocked }),
      ...(probe?.retrying !== undefined && { retrying: probe.retrying }),
    };
    const since = io.screenSince.since(a.space, a.name, screen, now);
    // The program's way back into its conversation (its own knowledge, through its backend).
    const resume = canDrive(backend, kind) ? io.backends.backendFor(a).launch?.resume : undefined;
    const resumeFacts = (out: LivenessRow): LivenessRow => {
      const conversation = (probe?.resumeCommand !== undefined ? resume?.idOf(probe.resumeCommand) : undefined) ?? a.program_session_id ?? undefined;
      if (conversation !== undefined) out.program_session_id = conversation;
      out.resumable = resume !== undefined && conversation !== undefined && a.work_dir !== null && RESUMABLE_STATES.has(out.state);
      return out;
    };
    if (probe?.protocol !== undefined) {
      // Exact state from the agent's protocol: no screen to read and no hook to fuse it with.
      const exact = withProvenance(row, { ...fuseState(undefined, undefined, { ...screen, since }, now), source: probe.protocol });
      return resumeFacts(probe.approval.toolInput !== undefined && exact.needs_approval ? { ...exact, tool_input: probe.approval.toolInput } : exact);
    }
    // The hook state is read in the dialect of the agent's program (none: its screen alone).
    const program = io.hooks?.programs.hooks(kind);
    const hook = program && hookStates?.get(HookView.key(a.space, a.name));
    return resumeFacts(withProvenance(row, fuseState(program, hook, { ...screen, since }, now)));
  });
}

/**
 * The caller's own row while it calls a tool. An agent program calls tools only inside a turn, so
 * the agent answering this call is working whatever its screen showed at that instant (a program
 * can draw its status line a frame after the call starts, and a hook event can be late). Only a row
 * read as idle is overruled; the screen's reading stays in screen_state.
 */
export function ownTurn(rows: readonly LivenessRow[], caller: { agent?: string; unverified?: true }, callerSpace: string, now: number): LivenessRow[] {
  if (caller.agent === undefined || caller.unverified) return [...rows];
  return rows.map((r) =>
    r.space === callerSpace && r.agent === caller.agent && r.exists && r.state === 'idle'
      ? { ...r, state: 'working', source: 'call', since: new Date(now).toISOString(), activity: 'calling an agent-boss tool' }
      : r,
  );
}

/** Copies the fused state (hooks + screen) onto a liveness row. */
function withProvenance(row: LivenessRow, f: FusedState): LivenessRow {
  const out: LivenessRow = {
    ...row,
    state: f.state,
    needs_approval: f.needs_approval,
    source: f.source,
    since: new Date(f.since).toISOString(),
    screen_state: f.screen_state,
  };
  const opt = [
    'tool_name', 'prompt_text', 'prompt_id', 'tool_input', 'subject', 'screen_prompt_id', 'error', 'blocked', 'retrying', 'resume_command', 'subagent',
    'activity', 'hook_state', 'hook_event', 'conflict',
  ] as const;
  for (const k of opt) if (f[k] !== undefined) (out as unknown as Record<string, unknown>)[k] = f[k];
  if (f.hook_at !== undefined) out.hook_at = new Date(f.hook_at).toISOString();
  return out;
}
