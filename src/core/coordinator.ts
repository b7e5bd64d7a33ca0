import { isBackendError, type BackendError } from '../backends/errors.js';
import { backendNameOf, BackendRegistry, DEFAULT_BACKEND, UnknownBackendError } from '../backends/registry.js';
import type {
  ApprovalDecision,
  ScreenStateName,
  SessionBackend,
  SessionProbe,
} from '../backends/session-backend.js';
import { ParentCycleError, type AgentRecord, type Report, type Store } from '../store/store.js';
import { ActionQueue, sessionQueue } from './action-queue.js';
import { DomainError, fromStoreError } from './errors.js';
import { fuseState, type FusedState, type LivenessState, type StateSource } from './fusion.js';
import { HookView, ScreenSince } from './hook-view.js';

/**
 * Who is calling. A process bound to one agent (`--agent`, or `X-Agent-Name` over HTTP) is bound to
 * the pair (space, agent): `space` when given, else the server's default space. It reports only for
 * that agent in that space and acts (send input, approve, interrupt, delete) only on itself and the
 * agents of that space it manages. A caller without an agent is the operator and may do everything;
 * its `space` only chooses the default space of its calls.
 */
export interface Caller {
  agent?: string;
  space?: string;
}

export const OPERATOR: Caller = Object.freeze({});

export interface LivenessRow {
  space: string;
  agent: string;
  session_id: string | null;
  backend: string;
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
  /** Where `state` comes from: a Claude Code hook event, or the screen. */
  source: StateSource;
  /** When the state began, as its source knows it (ISO time). */
  since: string;
  /** Exact input of the tool a pending prompt is about, and its command / file / URL / arguments (from the hook). */
  tool_input?: unknown;
  subject?: string;
  /** The screen's id of the same prompt, when prompt_id came from the hook (approve accepts either). */
  screen_prompt_id?: string;
  error?: string;
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
}

export interface CoordinatorOptions {
  store: Store;
  backends: BackendRegistry;
  /** Environment of this process, for finding its own terminal session. */
  env?: NodeJS.ProcessEnv;
  /** Space and agent used when a call names none (the server's --space / --agent). */
  defaultSpace?: string;
  defaultAgent?: string;
  /** An agent that has not reported for this long is marked stale. */
  staleAfterMs?: number;
  clock?: () => number;
  /** Recorded Claude Code hook events (the hooks tables); without it rows follow the screen only. */
  hooks?: HookView;
  /** Serialises actions per session (default: one over `store`). */
  actions?: ActionQueue;
}

export interface Target {
  space: string;
  agent: string;
}

interface ActionTarget {
  agent: AgentRecord;
  backend: SessionBackend;
  sessionId: string;
}

/** Agent names the legacy routes use as path words. */
const RESERVED_NAMES = new Set(['parent']);

export const DEFAULT_STALE_AFTER_MS = 10 * 60_000;

const sameSpace = (a: { space: string }, b: { space: string }): boolean => a.space.toLowerCase() === b.space.toLowerCase();
/** Names are matched case-insensitively, spaces too: (web, Alice) is (WEB, alice). */
const sameTarget = (a: Target, b: Target): boolean => sameSpace(a, b) && a.agent.toLowerCase() === b.agent.toLowerCase();

/**
 * The coordination functions. The MCP tools and the HTTP routes are thin adapters over these; every
 * rule lives here once.
 */
export class Coordinator {
  readonly store: Store;
  readonly backends: BackendRegistry;
  private readonly env: NodeJS.ProcessEnv;
  readonly defaultSpace: string;
  readonly defaultAgent: string | undefined;
  private readonly staleAfterMs: number;
  private readonly clock: () => number;
  /** Hook state, approval rules and decisions (undefined: no hook store; rows follow the screen). */
  readonly hooks: HookView | undefined;
  private readonly screenSince = new ScreenSince();
  private readonly actions: ActionQueue;

  constructor(opts: CoordinatorOptions) {
    this.store = opts.store;
    this.actions = opts.actions ?? new ActionQueue({ store: opts.store });
    this.backends = opts.backends;
    this.env = opts.env ?? {};
    this.defaultSpace = opts.defaultSpace ?? 'default';
    this.defaultAgent = opts.defaultAgent;
    this.staleAfterMs = opts.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    this.clock = opts.clock ?? Date.now;
    this.hooks = opts.hooks;
  }

  /** The (space, agent) pair a caller is bound to; undefined for the operator. */
  bindingOf(caller: Caller): Target | undefined {
    if (caller.agent === undefined) return undefined;
    return { space: caller.space ?? this.defaultSpace, agent: caller.agent };
  }

  /** Fills in the space and agent a call left out, from the caller's binding and the server defaults. */
  resolveTarget(caller: Caller, input: { space?: string; agent?: string }): Target {
    const space = input.space ?? this.bindingOf(caller)?.space ?? caller.space ?? this.defaultSpace;
    const agent = input.agent ?? caller.agent ?? this.defaultAgent;
    if (!agent) {
      throw new DomainError(
        'validation',
        'agent is required: this server is not bound to an agent (start it with --agent NAME), so name the agent in the call.',
      );
    }
    return { space, agent };
  }

  /**
   * Registers the agent's session (idempotent). Without `session_id` the session is the one this
   * process runs in (found by the backend), else the one already registered; `requireSession: false`
   * (legacy ignition setting only parent/role) lets an agent be created without any session yet.
   */
  async registerSession(
    caller: Caller,
    input: Target & { session_id?: string; backend?: string; parent?: string; role?: string },
    opts: { requireSession?: boolean } = {},
  ): Promise<{ record: AgentRecord; created: boolean; session_id: string | null; backend: string }> {
    this.checkName(input.agent);
    this.checkSelf(caller, input, 'register a session for');
    const existing = await this.stored(() => this.store.getAgent(input.space, input.agent));
    const backend = this.backend(input.backend ?? existing?.backend_type ?? DEFAULT_BACKEND);
    // Only the agent this server is bound to may take the session the server runs in: an operator's
    // server inside tmux registering another agent must not hand it the operator's own terminal.
    const bound = this.bindingOf(caller) ?? (this.defaultAgent !== undefined ? { space: this.defaultSpace, agent: this.defaultAgent } : undefined);
    const isSelf = bound !== undefined && sameTarget(bound, input);
    const sessionId =
      input.session_id ?? (isSelf ? await backend.identifySelf?.(this.env) : undefined) ?? existing?.session_id ?? undefined;
    const problem = sessionId ? backend.sessionIdProblem?.(sessionId) : undefined;
    if (problem) throw new DomainError('validation', `session_id: ${problem}`);
    if (!sessionId && opts.requireSession !== false) {
      throw new DomainError(
        'validation',
        isSelf
          ? `session_id is required: this server is not running inside a ${backend.name} session, so it cannot find the agent's session by itself. Pass session_id (e.g. the tmux session name).`
          : `session_id is required for "${input.agent}": only a server started with --agent ${input.agent} finds that agent's session by itself. Pass session_id (e.g. the tmux session name).`,
      );
    }
    try {
      const { record, created } = await this.store.register(input.space, input.agent, {
        ...(sessionId && { session_id: sessionId }),
        backend_type: backend.name,
        ...(input.parent !== undefined && { parent: input.parent }),
        ...(input.role !== undefined && { role: input.role }),
      });
      return { record, created, session_id: record.session_id, backend: backend.name };
    } catch (err) {
      throw this.storeError(err);
    }
  }

  async reportStatus(caller: Caller, target: Target, report: Report): Promise<AgentRecord> {
    this.checkName(target.agent);
    this.checkSelf(caller, target, 'post to', "'s channel: an agent reports status only for itself");
    if (report.backend_type || report.session_id) {
      // The session id is checked by the agent's backend exactly as register_session checks it.
      const existing = report.backend_type ? undefined : await this.stored(() => this.store.getAgent(target.space, target.agent));
      const backend = this.backend(report.backend_type || existing?.backend_type || DEFAULT_BACKEND);
      const problem = report.session_id ? backend.sessionIdProblem?.(report.session_id) : undefined;
      if (problem) throw new DomainError('validation', `session_id: ${problem}`);
    }
    try {
      return await this.store.report(target.space, target.agent, report);
    } catch (err) {
      throw this.storeError(err);
    }
  }

  async getAgent(target: Target): Promise<AgentRecord> {
    const rec = await this.stored(() => this.store.getAgent(target.space, target.agent));
    if (!rec) {
      throw new DomainError(
        'not_found',
        `Agent "${target.agent}" is not registered in space "${target.space}". Call register_session first, or list_liveness to see registered agents.`,
      );
    }
    return rec;
  }

  async sendInput(caller: Caller, target: Target & { text: string; submit?: boolean }): Promise<{ agent: AgentRecord; session_id: string }> {
    if (target.text.trim() === '' && target.submit !== false) {
      throw new DomainError('validation', 'text is blank: send a non-blank message (or set submit=false to type whitespace without Enter).');
    }
    // A CRLF from a Windows client is one line break, not a line break plus an Enter.
    const text = target.text.replace(/\r\n/g, '\n');
    return this.action(caller, target, 'send input to', async ({ agent, backend, sessionId }) => {
      await this.backendCall(agent, sessionId, () => backend.sendInput(sessionId, text, { submit: target.submit ?? true }));
      return { agent, session_id: sessionId };
    });
  }

  async approve(
    caller: Caller,
    target: Target & { decision?: ApprovalDecision; prompt_id?: string; option?: number },
  ): Promise<{
    agent: AgentRecord;
    session_id: string;
    decision: ApprovalDecision;
    tool_name?: string;
    prompt_id?: string;
    chosen?: { number: number; label: string };
    cleared: boolean;
  }> {
    const decision = target.decision ?? 'yes';
    return this.action(caller, target, 'approve prompts of', async ({ agent, backend, sessionId }) => {
      // A prompt_id from the hooks is checked against the hook state, then the dialog on screen.
      const expect =
        target.prompt_id && this.hooks
          ? await this.backendCall(agent, sessionId, () => this.hooks!.expectedScreenPromptId(agent, target.prompt_id!, () => backend.checkApproval(sessionId)))
          : target.prompt_id;
      const res = await this.backendCall(agent, sessionId, () =>
        backend.approve(sessionId, decision, {
          ...(expect && { expectPromptId: expect }),
          ...(target.option !== undefined && { option: target.option }),
        }),
      );
      await this.hooks?.recordApprove(agent, decision, res);
      return {
        agent,
        session_id: sessionId,
        decision,
        cleared: res.cleared,
        ...(res.toolName !== undefined && { tool_name: res.toolName }),
        ...(res.promptId !== undefined && { prompt_id: res.promptId }),
        ...(res.chosen !== undefined && { chosen: res.chosen }),
      };
    });
  }

  async interrupt(
    caller: Caller,
    target: Target,
  ): Promise<{ agent: AgentRecord; session_id: string; stopped: boolean; escapes: number; nothingToInterrupt?: boolean }> {
    return this.action(caller, target, 'interrupt', async ({ agent, backend, sessionId }) => {
      const res = await this.backendCall(agent, sessionId, () => backend.interrupt(sessionId));
      return { agent, session_id: sessionId, ...res };
    });
  }

  /** One row per agent, from one batched probe per backend. Has no side effects. */
  async listLiveness(space?: string): Promise<LivenessRow[]> {
    const agents = await this.stored(() => this.store.listAgents(space));
    const byBackend = new Map<string, AgentRecord[]>();
    for (const a of agents) {
      const name = backendNameOf(a);
      if (!byBackend.has(name)) byBackend.set(name, []);
      byBackend.get(name)!.push(a);
    }
    const probes = new Map<string, Map<string, SessionProbe>>();
    await Promise.all(
      [...byBackend].map(async ([name, list]) => {
        if (!this.backends.has(name)) return;
        const backend = this.backends.backendByName(name);
        const ids = [...new Set(list.map((a) => a.session_id).filter((s): s is string => !!s))];
        if (ids.length === 0) return;
        try {
          if (!(await backend.available())) return;
          probes.set(name, await backend.probeSessions(ids));
        } catch (err) {
          if (!isBackendError(err)) throw err;
          // Unavailable or failing backend: its agents show state "unknown".
        }
      }),
    );
    const now = this.clock();
    const hookStates = this.hooks ? await this.hooks.states(space) : undefined;
    return agents.map((a) => {
      const backend = backendNameOf(a);
      const probe = a.session_id ? probes.get(backend)?.get(a.session_id) : undefined;
      const lastSeen = Date.parse(a.reported_at ?? a.updated_at);
      const row: LivenessRow = {
        space: a.space,
        agent: a.name,
        session_id: a.session_id,
        backend,
        registered: !!a.session_id,
        exists: probe?.exists ?? false,
        state: probe?.state ?? 'unknown',
        needs_approval: probe?.approval.needsApproval ?? false,
        status: a.status,
        summary: a.summary,
        updated_at: a.updated_at,
        stale: now - lastSeen > this.staleAfterMs,
        source: 'screen',
        since: '',
        screen_state: probe?.state ?? 'unknown',
      };
      if (probe?.lastLine !== undefined) row.last_line = probe.lastLine;
      const screen = {
        state: row.screen_state,
        ...(probe?.approval.toolName !== undefined && { toolName: probe.approval.toolName }),
        ...(probe?.approval.promptText !== undefined && { promptText: probe.approval.promptText }),
        ...(probe?.approval.promptId !== undefined && { promptId: probe.approval.promptId }),
      };
      const hook = hookStates?.get(HookView.key(a.space, a.name));
      return withProvenance(row, fuseState(hook, { ...screen, since: this.screenSince.since(a.space, a.name, screen, now) }, now));
    });
  }

  /** The last `lines` non-empty lines of the agent's terminal (the dashboard's preview). */
  async captureOutput(caller: Caller, target: Target & { lines?: number }): Promise<{ agent: AgentRecord; session_id: string; lines: string[] }> {
    const { agent, backend, sessionId } = await this.actionTarget(caller, target, 'read the screen of');
    const lines = await this.backendCall(agent, sessionId, () => backend.captureOutput(sessionId, target.lines ?? 10));
    return { agent, session_id: sessionId, lines };
  }

  /**
   * Waits (bounded) until a UserPromptSubmit hook shows `text` was submitted to the agent after
   * `sentAt`. Without a hook store it answers at once, not delivered.
   */
  async awaitReceipt(target: Target, text: string, sentAt: number, timeoutMs: number): Promise<{ delivered: boolean; receipt_ms: number; hooked: boolean }> {
    if (!this.hooks) return { delivered: false, receipt_ms: 0, hooked: false };
    return this.hooks.awaitReceipt(await this.getAgent(target), text.replace(/\r\n/g, '\n'), sentAt, timeoutMs);
  }

  /** The current time of the core's clock (for callers that time a call, such as a receipt wait). */
  now(): number {
    return this.clock();
  }

  /** Removes an agent: the operator any agent, a bound caller itself and the agents it manages. */
  async deleteAgent(caller: Caller, target: Target): Promise<void> {
    await this.authorizeAction(caller, await this.getAgent(target), 'delete');
    if (!(await this.stored(() => this.store.deleteAgent(target.space, target.agent)))) await this.getAgent(target);
  }

  // ── helpers ──────────────────────────────────────────────────────────────

  private backend(name: string): SessionBackend {
    try {
      return this.backends.backendByName(name);
    } catch (err) {
      if (err instanceof UnknownBackendError) throw new DomainError('validation', `${err.message} Use one of those, or omit backend.`);
      throw err;
    }
  }

  private checkName(agent: string): void {
    if (RESERVED_NAMES.has(agent.toLowerCase())) {
      throw new DomainError('validation', `agent name "${agent}" is reserved; choose another name.`);
    }
  }

  /** A caller bound to (space, agent) may do this only for that very pair. */
  private checkSelf(caller: Caller, target: Target, what: string, why = ': a server bound to an agent acts as that agent only'): void {
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
  private async authorizeAction(caller: Caller, agent: AgentRecord, what: string): Promise<void> {
    const me = this.bindingOf(caller);
    if (me === undefined) return;
    if (!sameSpace(me, agent)) {
      throw new DomainError(
        'forbidden',
        `agent "${me.agent}" of space "${me.space}" cannot ${what} "${agent.name}" in space "${agent.space}": an agent acts only within its own space. Ask the operator.`,
      );
    }
    if (!(await this.manages(me.agent, agent))) {
      throw new DomainError(
        'forbidden',
        `agent "${me.agent}" cannot ${what} "${agent.name}": an agent may act only on itself and the agents it manages (their parent chain leads to it). Ask the operator or ${agent.parent ? `"${agent.parent}"` : "the agent's manager"}.`,
      );
    }
  }

  /**
   * Runs an action on an agent's session in its turn (ActionQueue: one action per session at a
   * time, across processes, in call order); agent and session are resolved when the turn comes.
   */
  private action<T>(caller: Caller, target: Target, what: string, act: (t: ActionTarget) => Promise<T>): Promise<T> {
    const order = `${target.space.toLowerCase()}\u0000${target.agent.toLowerCase()}`;
    return this.stored(() =>
      this.actions.run(
        order,
        async () => {
          const t = await this.actionTarget(caller, target, what);
          return { ...t, queue: sessionQueue(t.backend.name, t.sessionId) };
        },
        act,
      ),
    );
  }

  /** Resolves agent, backend and session for an operator action, checking the caller may act on it. */
  private async actionTarget(caller: Caller, target: Target, what: string): Promise<ActionTarget> {
    const agent = await this.getAgent(target);
    await this.authorizeAction(caller, agent, what);
    if (!agent.session_id) {
      throw new DomainError(
        'no_session',
        `Agent "${agent.name}" in space "${agent.space}" has no session registered. It must call register_session (or fetch its ignition URL) first.`,
      );
    }
    return { agent, backend: this.backend(backendNameOf(agent)), sessionId: agent.session_id };
  }

  /** True when `manager` is the agent itself or one of its ancestors. */
  private async manages(manager: string, agent: AgentRecord): Promise<boolean> {
    const want = manager.toLowerCase();
    const seen = new Set<string>();
    let cur: AgentRecord | undefined = agent;
    while (cur && !seen.has(cur.name.toLowerCase())) {
      if (cur.name.toLowerCase() === want) return true;
      seen.add(cur.name.toLowerCase());
      cur = cur.parent ? await this.store.getAgent(agent.space, cur.parent) : undefined;
    }
    return false;
  }

  private async backendCall<T>(agent: AgentRecord, sessionId: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isBackendError(err)) throw this.backendError(err, agent, sessionId);
      throw err;
    }
  }

  private backendError(err: BackendError, agent: AgentRecord, sessionId: string): DomainError {
    const who = `agent "${agent.name}" (session "${sessionId}")`;
    switch (err.code) {
      case 'unavailable':
        return new DomainError('backend_unavailable', `${err.message}. Install it, or check the server's --tmux-socket.`);
      case 'no_server':
        return new DomainError(
          'backend_unavailable',
          `${err.message}. Check the server's --tmux-socket: it must name the tmux server the agents run on (tmux -L NAME; none = your default server).`,
        );
      case 'session_missing':
        return new DomainError(
          'session_missing',
          `The session of ${who} no longer exists. Restart the agent and register its new session (register_session), or check list_liveness.`,
        );
      case 'pane_dead':
        return new DomainError(
          'session_dead',
          `The session of ${who} is dead: the agent's program has exited, so nothing was sent. Restart the agent in it (tmux respawn-pane -k -t "=${sessionId}:"), or start a new session and register it (register_session).`,
        );
      case 'no_pending_approval':
        return new DomainError(
          'no_pending_approval',
          `No pending approval for ${who}: its screen shows no permission prompt. Call list_liveness to see which agents need approval.`,
        );
      case 'prompt_mismatch':
        // The backend's sentence says it all (what changed, nothing sent, what to do): said once.
        return new DomainError('prompt_mismatch', err.message);
      case 'option_unavailable':
        return new DomainError('validation', err.message);
      case 'invalid_session_id':
      case 'bad_work_dir':
        return new DomainError('validation', err.message);
      case 'session_exists':
        return new DomainError('conflict', err.message);
      default:
        return new DomainError('backend_failed', `${err.message} (${who}).`);
    }
  }

  /** Runs store work, giving its failures (busy, damaged) as DomainErrors. */
  private async stored<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw fromStoreError(err);
    }
  }

  private storeError(err: unknown): unknown {
    if (err instanceof ParentCycleError) {
      return new DomainError(
        'validation',
        err.selfParent
          ? `self-parent not allowed: agent "${err.agent}" cannot be its own parent.`
          : `parent cycle: "${err.parent}" already has "${err.agent}" above it, so "${err.agent}" cannot report to "${err.parent}". Choose another parent.`,
      );
    }
    return fromStoreError(err);
  }
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
  const opt = ['tool_name', 'prompt_text', 'prompt_id', 'tool_input', 'subject', 'screen_prompt_id', 'error', 'activity', 'hook_state', 'hook_event', 'conflict'] as const;
  for (const k of opt) if (f[k] !== undefined) (out as unknown as Record<string, unknown>)[k] = f[k];
  if (f.hook_at !== undefined) out.hook_at = new Date(f.hook_at).toISOString();
  return out;
}
