import { UnknownAgentKindError } from '../backends/errors.js';
import { UnknownBackendError, type BackendChoice, type BackendRegistry } from '../backends/registry.js';
import type { ApprovalDecision, SessionActor, SessionBackend, SessionObserver } from '../backends/session-backend.js';
import { ParentCycleError, type AgentRecord, type Report, type Store, type StoredEvent } from '../store/store.js';
import { ActionQueue, sessionQueue } from './action-queue.js';
import { Activity, quote, target as named } from './activity.js';
import { backendCall } from './backend-failures.js';
import { guessKind } from './kind-guess.js';
import { DomainError, fromStoreError } from './errors.js';
import { explainFailure, type Failure } from './failure.js';
import { checkHealth, type Health } from './health.js';
import { checkSessionClaim, sharedSessionOutcome, type SharedSessionRule } from './session-claims.js';
import { HookView, ScreenSince } from './hook-view.js';
import { Hosts, type HostsOptions } from './hosts.js';
import type { HookOutcome } from './hooks.js';
import { agentKey, checkName, DEFAULT_SPACE, Identity, sameName, sameTarget, type Caller, type Target } from './identity.js';
import { backendNameOf } from './records.js';
import { livenessRows, type LivenessRow } from './liveness.js';
import { notRegisteredSentence } from './not-found.js';
import { normalizeInput, SUBMIT_BY_DEFAULT } from './text.js';

export { OPERATOR, type Caller, type Target } from './identity.js';
export type { LivenessRow } from './liveness.js';
export type { SharedSessionRule } from './session-claims.js';

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
  /** Recorded hook events of the agent programs (the hooks tables); without it rows follow the screen only. */
  hooks?: HookView;
  /** Serialises actions per session (default: one over `store`). */
  actions?: ActionQueue;
  /** Agent credentials (`--auth agents`): an agent's are revoked when it is deleted. */
  agentTokens?: { revokeAgent(space: string, agent: string): Promise<unknown> };
  /** This host, and whether hubs of other hosts share the store (hosts.ts); default: the machine, alone. */
  hosts?: HostsOptions;
}

/** An agent, the backend of its session and the session, once the caller may act on it. */
export interface ActionTarget<B = SessionBackend> {
  agent: AgentRecord;
  backend: B;
  sessionId: string;
}

export const DEFAULT_STALE_AFTER_MS = 10 * 60_000;

/**
 * The coordination functions: the one door every face (MCP tools, HTTP routes, prompts, resources,
 * the hook command) goes through. Who may act on whom lives in `identity.ts`, liveness in
 * `liveness.ts`, the sentences backend failures become in `backend-failures.ts`; this class wires
 * them to the store and the backends.
 */
export class Coordinator {
  /** The store and the backends are the core's: faces call the methods below, never these. */
  readonly store: Store;
  readonly backends: BackendRegistry;
  private readonly env: NodeJS.ProcessEnv;
  readonly defaultSpace: string;
  readonly defaultAgent: string | undefined;
  readonly identity: Identity;
  private readonly staleAfterMs: number;
  private readonly clock: () => number;
  /** Hook state, approval rules and decisions (undefined: no hook store; rows follow the screen). */
  readonly hooks: HookView | undefined;
  private readonly screenSince = new ScreenSince();
  private readonly actions: ActionQueue;
  private readonly agentTokens: CoordinatorOptions['agentTokens'];
  /** The activity log: every act and every refusal, one line each (activity.ts). */
  readonly activity = new Activity();
  readonly hosts: Hosts; // which sessions are this host's (probed, acted on here); the other hosts' rows

  constructor(opts: CoordinatorOptions) {
    this.store = opts.store;
    this.actions = opts.actions ?? new ActionQueue({ store: opts.store });
    this.agentTokens = opts.agentTokens;
    this.backends = opts.backends;
    this.env = opts.env ?? {};
    this.defaultSpace = opts.defaultSpace ?? DEFAULT_SPACE;
    this.defaultAgent = opts.defaultAgent;
    this.identity = new Identity(this.defaultSpace, this.defaultAgent, (space, agent) => this.store.parentChain(space, agent));
    this.staleAfterMs = opts.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    this.clock = opts.clock ?? Date.now;
    this.hooks = opts.hooks;
    this.hooks?.useActivity(this.activity);
    this.hosts = new Hosts(opts.hosts, this.store, this.clock, (a) => this.backends.agentKindOf(a));
  }

  /** The (space, agent) pair a caller is bound to; undefined for the operator. */
  bindingOf(caller: Caller): Target | undefined {
    return this.identity.bindingOf(caller);
  }

  /** The space a call lands in when it names none. */
  spaceOf(caller: Caller, space?: string): string {
    return this.identity.spaceOf(caller, space);
  }

  /** Fills in the space and agent a call left out, from the caller's binding and the server defaults. */
  resolveTarget(caller: Caller, input: { space?: string; agent?: string }): Target {
    return this.identity.resolveTarget(caller, input);
  }

  /**
   * Registers the agent's session (idempotent). Without `session_id` the session is the one this
   * process runs in (found by the backend), else the one already registered; `requireSession: false`
   * (legacy ignition setting only parent/role) lets an agent be created without any session yet.
   * `agent_kind` names the agent program (kept when omitted; an unknown one is refused up front);
   * omitted for a new agent, it is guessed from the pane (kind-guess.ts) unless `guessKind` is false.
   */
  async registerSession(
    caller: Caller,
    input: Target & { session_id?: string; backend?: string; agent_kind?: string; parent?: string; role?: string },
    opts: { requireSession?: boolean; sharedSession?: SharedSessionRule; guessKind?: boolean } = {},
  ): Promise<{ record: AgentRecord; created: boolean; session_id: string | null; backend: string; warnings: string[] }> {
    checkName(input.agent);
    this.identity.checkSelf(caller, input, 'register a session for');
    const existing = await this.stored(() => this.store.getAgent(input.space, input.agent));
    const backend = this.backend(input.backend ? { backend_type: input.backend } : { backend_type: existing?.backend_type ?? null });
    if (input.agent_kind !== undefined) this.checkAgentKind(backend, input.agent_kind);
    // Only the agent this process runs as (a stdio server's --agent) may take the session the process
    // runs in: neither an operator's server inside tmux registering another agent, nor an agent named
    // by an HTTP request to a hub that runs in the operator's terminal.
    const isSelf = this.isProcessAgent(input);
    const own = isSelf ? await backend.identifySelf?.(this.env) : undefined;
    const sessionId = input.session_id ?? own ?? existing?.session_id ?? undefined;
    if (sessionId) this.checkSessionId(backend, sessionId);
    if (!sessionId && opts.requireSession !== false) {
      throw new DomainError(
        'validation',
        isSelf
          ? `session_id is required: this server is not running inside a ${backend.name} session, so it cannot find the agent's session by itself. Pass session_id (e.g. the tmux session name).`
          : `session_id is required for "${input.agent}": only a server started with --agent ${input.agent} finds that agent's session by itself. Pass session_id (e.g. the tmux session name).`,
      );
    }
    // Who may claim the terminal (session-claims.ts, identity.ts), then what sharing it means.
    const { warnings, takeFrom } = sessionId
      ? await sharedSessionOutcome(backend, input, sessionId, await checkSessionClaim(this, caller, input, backend, sessionId, { own, current: existing }), opts.sharedSession ?? 'warn')
      : { warnings: [], takeFrom: [] };
    const guess = sessionId && input.agent_kind === undefined && !existing && opts.guessKind !== false ? await guessKind(backend, sessionId) : undefined;
    try {
      const { record, created } = await this.store.register(input.space, input.agent, {
        ...(sessionId && { session_id: sessionId }),
        ...(takeFrom.length > 0 && { takeSessionFrom: takeFrom }),
        backend_type: backend.name,
        ...((input.agent_kind ?? guess?.kind) !== undefined && { agent_kind: input.agent_kind ?? guess?.kind }),
        ...(input.parent !== undefined && { parent: input.parent }),
        ...(input.role !== undefined && { role: input.role }),
      });
      const line = `${created ? 'registered' : 're-registered'} ${named(input)} on ${backend.name} session ${quote(record.session_id ?? '')}`;
      return this.activity.did(caller, line, { record, created, session_id: record.session_id, backend: backend.name, warnings: guess ? [...warnings, guess.note] : warnings });
    } catch (err) {
      throw this.storeError(err);
    }
  }

  /**
   * Records a report. A `session_id` in it is a claim on that terminal like register_session's: one
   * the caller may not claim is refused, or, with `dropRefusedSession` (the legacy status post, whose
   * old scripts send their session with every post), left out of the report and told to that function.
   * With `registeredOnly` (MCP) a report names only a registered agent (a mistyped name gets the not-found
   * sentence), except a caller's report on its own channel (bound to that agent): that first report registers it.
   */
  async reportStatus(caller: Caller, target: Target, report: Report, opts: { dropRefusedSession?: (why: string) => void; registeredOnly?: boolean } = {}): Promise<AgentRecord> {
    checkName(target.agent);
    this.identity.checkSelf(caller, target, 'post to', "'s channel: an agent reports status only for itself");
    if (opts.registeredOnly && !this.bindingOf(caller)) await this.getAgent(target);
    if (report.session_id) {
      // The session id is checked by the agent's backend exactly as register_session checks it.
      const existing = await this.stored(() => this.store.getAgent(target.space, target.agent));
      const backend = this.backend(report.backend_type ? report : { backend_type: existing?.backend_type ?? null });
      this.checkSessionId(backend, report.session_id);
      if (existing?.session_id !== report.session_id || backendNameOf(existing) !== backend.name) {
        const own = this.isProcessAgent(target) ? await backend.identifySelf?.(this.env) : undefined;
        try {
          await checkSessionClaim(this, caller, target, backend, report.session_id, { own, current: existing });
        } catch (err) {
          if (!opts.dropRefusedSession || !(err instanceof DomainError)) throw err;
          opts.dropRefusedSession(err.message);
          const { session_id: _s, backend_type: _b, ...rest } = report;
          report = rest;
        }
      }
    } else if (report.backend_type) {
      this.backend(report);
    }
    try {
      return this.activity.did(caller, `report from ${named(target)}: ${report.status} ${quote(report.summary)}`, await this.store.report(target.space, target.agent, report));
    } catch (err) {
      throw this.storeError(err);
    }
  }

  async getAgent(target: Target): Promise<AgentRecord> {
    const rec = await this.findAgent(target);
    if (!rec) throw new DomainError('not_found', notRegisteredSentence(target, await this.listAgents()));
    return rec;
  }

  /** The agent's record, or undefined when it is not registered. */
  async findAgent(target: Target): Promise<AgentRecord | undefined> {
    return this.stored(() => this.store.getAgent(target.space, target.agent));
  }

  /** Every agent of `space` (all spaces when undefined), ordered by space and name. */
  async listAgents(space?: string): Promise<AgentRecord[]> {
    return this.stored(() => this.store.listAgents(space));
  }

  async sendInput(caller: Caller, target: Target & { text: string; submit?: boolean }): Promise<{ agent: AgentRecord; session_id: string }> {
    const submit = target.submit ?? SUBMIT_BY_DEFAULT;
    if (target.text.trim() === '' && submit) {
      throw new DomainError('validation', 'text is blank: send a non-blank message (or set submit=false to type whitespace without Enter).');
    }
    const text = normalizeInput(target.text);
    return this.action(caller, target, 'send input to', async ({ agent, backend, sessionId }) => {
      await backendCall({ agent, sessionId }, () => backend.sendInput(sessionId, text, { submit }));
      return this.activity.did(caller, `send to ${named(target)} (session ${quote(sessionId)}): ${text.length} characters${submit ? ' + Enter' : ''}`, { agent, session_id: sessionId });
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
          ? await backendCall({ agent, sessionId }, () => this.hooks!.expectedScreenPromptId(agent, this.backends.agentKindOf(agent), target.prompt_id!, () => backend.checkApproval(sessionId)))
          : target.prompt_id;
      const res = await backendCall({ agent, sessionId }, () =>
        backend.approve(sessionId, decision, {
          ...(expect && { expectPromptId: expect }),
          ...(target.option !== undefined && { option: target.option }),
        }),
      );
      await this.hooks?.recordApprove(agent, decision, res);
      const line = `approval for ${named(target)}: ${decision}${res.toolName ? ` (${quote(res.toolName)})` : ''}${res.cleared ? '' : ', prompt still shown'}`;
      return this.activity.did(caller, line, {
        agent,
        session_id: sessionId,
        decision,
        cleared: res.cleared,
        ...(res.toolName !== undefined && { tool_name: res.toolName }),
        ...(res.promptId !== undefined && { prompt_id: res.promptId }),
        ...(res.chosen !== undefined && { chosen: res.chosen }),
      });
    }, { self: false });
  }

  async interrupt(
    caller: Caller,
    target: Target,
  ): Promise<{ agent: AgentRecord; session_id: string; stopped: boolean; escapes: number; nothingToInterrupt?: boolean; message: string }> {
    return this.action(caller, target, 'interrupt', async ({ agent, backend, sessionId }) => {
      const res = await backendCall({ agent, sessionId }, () => backend.interrupt(sessionId));
      // The one sentence every face answers with (the tool's text, the legacy route's "message").
      const message = res.nothingToInterrupt
        ? `"${agent.name}" is idle: there was nothing to interrupt, so no key was sent.`
        : res.stopped
          ? `Interrupted "${agent.name}".`
          : `Sent ${res.escapes} Escape(s) to "${agent.name}" but it still looks busy; check list_liveness.`;
      return this.activity.did(caller, `interrupt ${named(target)}: ${res.stopped ? 'stopped' : 'still busy'} after ${res.escapes} Escape(s)`, { agent, session_id: sessionId, ...res, message });
    });
  }

  /** One row per agent, from one batched probe per backend. Has no side effects. */
  async listLiveness(space?: string, host?: string): Promise<LivenessRow[]> {
    const io = { backends: this.backends, hooks: this.hooks, screenSince: this.screenSince, staleAfterMs: this.staleAfterMs, now: this.clock() };
    return this.hosts.rows(await this.listAgents(space), (local) => livenessRows(local, space, io), host);
  }

  /** Waits (bounded) until a hook of the agent's program shows `text` submitted after `sentAt`; without a hook store, not delivered at once. */
  async awaitReceipt(target: Target, text: string, sentAt: number, timeoutMs: number): Promise<{ delivered: boolean; receipt_ms: number; hooked: boolean }> {
    if (!this.hooks) return { delivered: false, receipt_ms: 0, hooked: false };
    const agent = await this.getAgent(target);
    return this.hooks.awaitReceipt(agent, this.backends.agentKindOf(agent), normalizeInput(text), sentAt, timeoutMs);
  }

  /** The current time of the core's clock (for callers that time a call, such as a receipt wait). */
  now(): number {
    return this.clock();
  }

  /**
   * Records a hook event posted to the hub, as program `kind` (default: the tmux backend's) wrote it. A
   * bound caller's event lands in its own binding only (identity.ts); a start event that would register
   * its session (new agent, or none) claims that terminal, which the hub cannot see: the claim rule decides.
   */
  async recordHookEvent(caller: Caller, kind: string | undefined, payload: unknown, named: { space?: string; agent?: string; tmuxSession?: string }): Promise<HookOutcome> {
    if (!this.hooks) throw new DomainError('validation', 'This server has no hook store.');
    const { program, ev, raw } = this.hooks.read(kind ?? this.backend({ backend_type: 'tmux' }).agentKind, payload);
    const { space, agent } = this.identity.hookEventTarget(caller, named);
    const me = this.bindingOf(caller);
    if (me && named.tmuxSession !== undefined && program.registers(ev)) {
      const current = await this.findAgent(me);
      const backend = this.backend({ backend_type: 'tmux' });
      if (!current?.session_id) await checkSessionClaim(this, caller, me, backend, named.tmuxSession, { current });
    }
    return this.hooks.record(program, ev, raw, {
      ...(agent !== undefined && { agent }),
      ...(space !== undefined && { space }),
      ...(named.tmuxSession !== undefined && { tmuxSession: named.tmuxSession }),
      defaultSpace: this.defaultSpace,
    });
  }

  /** Removes an agent (every face): the operator any agent, a bound caller itself and the agents it manages; its agent tokens are revoked. */
  async deleteAgent(caller: Caller, target: Target): Promise<AgentRecord> {
    const agent = await this.getAgent(target);
    await this.identity.authorize(caller, agent, 'delete');
    if (!(await this.stored(() => this.store.deleteAgent(target.space, target.agent)))) await this.getAgent(target);
    await this.agentTokens?.revokeAgent(agent.space, agent.name);
    return this.activity.did(caller, `removed ${named(target)}`, agent);
  }

  /** Whether the server can serve: the store, and every configured backend by its name. */
  health(): Promise<Health> {
    return checkHealth(this.store, this.backends);
  }

  /** How a face answers `thrown` (see failure.ts): the caller's failure as it is, a bug logged and answered generically. */
  explainFailure(thrown: unknown, where: string): Failure {
    const f = explainFailure(thrown, where, this.store.path);
    if (f.domain) this.activity.failed(f.domain, where);
    return f;
  }

  /** The newest event id (follow the feed from here and nothing is missed). */
  async lastEventId(): Promise<number> {
    return this.stored(() => this.store.lastEventId());
  }

  /** Events after `id` in id order, at most `limit` (the SSE feed). */
  async eventsSince(id: number, limit?: number): Promise<StoredEvent[]> {
    return this.stored(() => this.store.eventsSince(id, limit));
  }

  /**
   * Resolves agent, backend and session for an action on another agent, checking the caller may act
   * on it (the lifecycle functions use it too).
   */
  async actionTarget(caller: Caller, target: Target, what: string, opts: { self?: boolean } = {}): Promise<ActionTarget> {
    const agent = await this.getAgent(target);
    await this.identity.authorize(caller, agent, what, opts);
    if (!agent.session_id) {
      throw new DomainError(
        'no_session',
        `Agent "${agent.name}" in space "${agent.space}" has no session registered. It must call register_session (or fetch its ignition URL) first.`,
      );
    }
    this.hosts.checkLocal(agent, what);
    return { agent, backend: this.backend(agent), sessionId: agent.session_id };
  }

  /**
   * The backend that drives an agent: its `backend_type` (else the default) with the UI of its
   * `agent_kind` (else that backend's default kind); an unknown backend or kind is a validation error.
   */
  backend(agent: BackendChoice): SessionBackend {
    try {
      return this.backends.backendFor(agent);
    } catch (err) {
      if (err instanceof UnknownBackendError) throw new DomainError('validation', `${err.message} Use one of those, or omit backend.`);
      if (err instanceof UnknownAgentKindError) throw unknownKind(err, 'Register the agent again with one of those (register_session with agent_kind).');
      throw err;
    }
  }

  /** Refuses an agent kind `backend` cannot drive, naming the kinds it can. */
  checkAgentKind(backend: SessionBackend, kind: string): void {
    const known = backend.agentKinds();
    if (!known.includes(kind)) {
      throw unknownKind(new UnknownAgentKindError(kind, known), `Use one of those, or leave agent_kind out for the default (${backend.agentKind}). Nothing was changed.`);
    }
  }

  // ── helpers ──────────────────────────────────────────────────────────────

  /** Whether `target` is the agent this process runs as (a stdio server's --agent), whose terminal it can find. */
  private isProcessAgent(target: Target): boolean {
    return this.defaultAgent !== undefined && sameTarget({ space: this.defaultSpace, agent: this.defaultAgent }, target);
  }

  private checkSessionId(backend: SessionBackend, sessionId: string): void {
    const problem = backend.sessionIdProblem?.(sessionId);
    if (problem) throw new DomainError('validation', `session_id: ${problem}`);
  }

  /**
   * Runs an action on an agent's session in its turn (ActionQueue: one action per session at a time,
   * across processes, in call order; resolved when the turn comes), on another host by its hub.
   */
  private action<T>(caller: Caller, target: Target, what: string, act: (t: ActionTarget<SessionActor & SessionObserver>) => Promise<T>, opts: { self?: boolean } = {}): Promise<T> {
    return this.stored(async () => {
      const remote = await this.hosts.forward<T>(caller, target, what);
      if (remote) return remote.result;
      return this.actions.run(
        agentKey(target.space, target.agent),
        async () => {
          const t = await this.actionTarget(caller, target, what, opts);
          return { ...t, queue: sessionQueue(t.backend.name, t.sessionId) };
        },
        act,
      );
    });
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

/** The caller's sentence for an agent kind the backend cannot drive. */
const unknownKind = (err: UnknownAgentKindError, next: string): DomainError => new DomainError('validation', `agent_kind: ${err.message} ${next}`);
