import { isBackendError, type BackendError } from '../backends/errors.js';
import { backendNameOf, BackendRegistry, DEFAULT_BACKEND, UnknownBackendError } from '../backends/registry.js';
import type {
  ApprovalDecision,
  ScreenStateName,
  SessionBackend,
  SessionProbe,
} from '../backends/session-backend.js';
import { ParentCycleError, type AgentRecord, type Report, type Store } from '../store/store.js';
import { DomainError } from './errors.js';

/**
 * Who is calling. A process bound to one agent (`--agent`, or `X-Agent-Name` over HTTP) reports
 * only for that agent and acts (send input, approve, interrupt) only on itself and the agents it
 * manages; an unbound caller is the operator and may do everything.
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
  state: ScreenStateName;
  needs_approval: boolean;
  tool_name?: string;
  prompt_text?: string;
  prompt_id?: string;
  last_line?: string;
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
}

export interface Target {
  space: string;
  agent: string;
}

/** Agent names the legacy routes use as path words. */
const RESERVED_NAMES = new Set(['parent']);

export const DEFAULT_STALE_AFTER_MS = 10 * 60_000;

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

  constructor(opts: CoordinatorOptions) {
    this.store = opts.store;
    this.backends = opts.backends;
    this.env = opts.env ?? {};
    this.defaultSpace = opts.defaultSpace ?? 'default';
    this.defaultAgent = opts.defaultAgent;
    this.staleAfterMs = opts.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    this.clock = opts.clock ?? Date.now;
  }

  /** Fills in the space and agent a call left out, from the caller's binding and the server defaults. */
  resolveTarget(caller: Caller, input: { space?: string; agent?: string }): Target {
    const space = input.space ?? caller.space ?? this.defaultSpace;
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
    this.checkSelf(caller, input, (me) => `agent "${me}" cannot register a session for "${input.agent}": this server is bound to "${me}".`);
    const existing = this.store.getAgent(input.space, input.agent);
    const backend = this.backend(input.backend ?? existing?.backend_type ?? DEFAULT_BACKEND);
    // Only the agent this server is bound to may take the session the server runs in: an operator's
    // server inside tmux registering another agent must not hand it the operator's own terminal.
    const boundAgent = caller.agent ?? this.defaultAgent;
    const isSelf = boundAgent !== undefined && boundAgent.toLowerCase() === input.agent.toLowerCase();
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
      const { record, created } = this.store.register(input.space, input.agent, {
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

  reportStatus(caller: Caller, target: Target, report: Report): AgentRecord {
    this.checkName(target.agent);
    this.checkSelf(caller, target, (me) => `agent "${me}" cannot post to "${target.agent}"'s channel: an agent reports status only for itself.`);
    if (report.backend_type) this.backend(report.backend_type);
    try {
      return this.store.report(target.space, target.agent, report);
    } catch (err) {
      throw this.storeError(err);
    }
  }

  getAgent(target: Target): AgentRecord {
    const rec = this.store.getAgent(target.space, target.agent);
    if (!rec) {
      throw new DomainError(
        'not_found',
        `Agent "${target.agent}" is not registered in space "${target.space}". Call register_session first, or list_liveness to see registered agents.`,
      );
    }
    return rec;
  }

  async sendInput(caller: Caller, target: Target & { text: string; submit?: boolean }): Promise<{ agent: AgentRecord; session_id: string }> {
    const { agent, backend, sessionId } = this.actionTarget(caller, target, 'send input to');
    if (target.text.trim() === '' && target.submit !== false) {
      throw new DomainError('validation', 'text is blank: send a non-blank message (or set submit=false to type whitespace without Enter).');
    }
    // A CRLF from a Windows client is one line break, not a line break plus an Enter.
    const text = target.text.replace(/\r\n/g, '\n');
    await this.backendCall(agent, sessionId, () => backend.sendInput(sessionId, text, { submit: target.submit ?? true }));
    return { agent, session_id: sessionId };
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
    const { agent, backend, sessionId } = this.actionTarget(caller, target, 'approve prompts of');
    const decision = target.decision ?? 'yes';
    const res = await this.backendCall(agent, sessionId, () =>
      backend.approve(sessionId, decision, {
        ...(target.prompt_id && { expectPromptId: target.prompt_id }),
        ...(target.option !== undefined && { option: target.option }),
      }),
    );
    return {
      agent,
      session_id: sessionId,
      decision,
      cleared: res.cleared,
      ...(res.toolName !== undefined && { tool_name: res.toolName }),
      ...(res.promptId !== undefined && { prompt_id: res.promptId }),
      ...(res.chosen !== undefined && { chosen: res.chosen }),
    };
  }

  async interrupt(
    caller: Caller,
    target: Target,
  ): Promise<{ agent: AgentRecord; session_id: string; stopped: boolean; escapes: number; nothingToInterrupt?: boolean }> {
    const { agent, backend, sessionId } = this.actionTarget(caller, target, 'interrupt');
    const res = await this.backendCall(agent, sessionId, () => backend.interrupt(sessionId));
    return { agent, session_id: sessionId, ...res };
  }

  /** One row per agent, from one batched probe per backend. Has no side effects. */
  async listLiveness(space?: string): Promise<LivenessRow[]> {
    const agents = this.store.listAgents(space);
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
      };
      if (probe?.approval.toolName !== undefined) row.tool_name = probe.approval.toolName;
      if (probe?.approval.promptText !== undefined) row.prompt_text = probe.approval.promptText;
      if (probe?.approval.promptId !== undefined) row.prompt_id = probe.approval.promptId;
      if (probe?.lastLine !== undefined) row.last_line = probe.lastLine;
      return row;
    });
  }

  deleteAgent(target: Target): void {
    if (!this.store.deleteAgent(target.space, target.agent)) this.getAgent(target);
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

  /** A caller bound to an agent may do this only for that agent. */
  private checkSelf(caller: Caller, target: Target, refusal: (me: string) => string): void {
    if (caller.agent !== undefined && caller.agent.toLowerCase() !== target.agent.toLowerCase()) {
      throw new DomainError('forbidden', refusal(caller.agent));
    }
  }

  /** Resolves agent, backend and session for an operator action, checking the caller may act on it. */
  private actionTarget(caller: Caller, target: Target, what: string): { agent: AgentRecord; backend: SessionBackend; sessionId: string } {
    const agent = this.getAgent(target);
    if (caller.agent !== undefined && !this.manages(caller.agent, agent)) {
      throw new DomainError(
        'forbidden',
        `agent "${caller.agent}" cannot ${what} "${agent.name}": an agent may act only on itself and the agents it manages (their parent chain leads to it). Ask the operator or ${agent.parent ? `"${agent.parent}"` : "the agent's manager"}.`,
      );
    }
    if (!agent.session_id) {
      throw new DomainError(
        'no_session',
        `Agent "${agent.name}" in space "${agent.space}" has no session registered. It must call register_session (or fetch its ignition URL) first.`,
      );
    }
    return { agent, backend: this.backend(backendNameOf(agent)), sessionId: agent.session_id };
  }

  /** True when `manager` is the agent itself or one of its ancestors. */
  private manages(manager: string, agent: AgentRecord): boolean {
    const want = manager.toLowerCase();
    const seen = new Set<string>();
    let cur: AgentRecord | undefined = agent;
    while (cur && !seen.has(cur.name.toLowerCase())) {
      if (cur.name.toLowerCase() === want) return true;
      seen.add(cur.name.toLowerCase());
      cur = cur.parent ? this.store.getAgent(agent.space, cur.parent) : undefined;
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
      case 'session_missing':
        return new DomainError(
          'session_missing',
          `The session of ${who} no longer exists. Restart the agent and register its new session (register_session), or check list_liveness.`,
        );
      case 'no_pending_approval':
        return new DomainError(
          'no_pending_approval',
          `No pending approval for ${who}: its screen shows no permission prompt. Call list_liveness to see which agents need approval.`,
        );
      case 'prompt_mismatch':
        return new DomainError('prompt_mismatch', `${err.message} Nothing was sent. Call list_liveness and approve the prompt it shows now.`);
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

  private storeError(err: unknown): unknown {
    if (err instanceof ParentCycleError) {
      return new DomainError(
        'validation',
        err.selfParent
          ? `self-parent not allowed: agent "${err.agent}" cannot be its own parent.`
          : `parent cycle: "${err.parent}" already has "${err.agent}" above it, so "${err.agent}" cannot report to "${err.parent}". Choose another parent.`,
      );
    }
    return err;
  }
}
