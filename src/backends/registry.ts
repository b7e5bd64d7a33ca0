import type { SessionBackend } from './session-backend.js';

/** The backend an agent uses when it never named one. */
export const DEFAULT_BACKEND = 'tmux';

/** The name of the backend an agent uses: its own `backend_type`, else the default. */
export const backendNameOf = (agent: { backend_type?: string | null }): string => agent.backend_type || DEFAULT_BACKEND;

/** What picks an agent's backend: the terminal by `backend_type`, the agent program by `agent_kind`. */
export interface BackendChoice {
  backend_type?: string | null;
  agent_kind?: string | null;
}

export class UnknownBackendError extends Error {
  constructor(
    readonly requested: string,
    readonly configured: readonly string[],
  ) {
    super(
      `Unknown session backend "${requested}". Configured backends: ${configured.length ? configured.join(', ') : '(none)'}.`,
    );
    this.name = 'UnknownBackendError';
  }
}

/**
 * Resolves which backend serves an agent. Backends are registered once at start-up, one per
 * terminal; an unknown name is an error that lists the configured ones, never a silent fallback to
 * another backend. An agent that names its agent kind gets the backend of that kind over the same
 * terminal (SessionBackend.forAgentKind: one per kind, made when first asked for, sharing the
 * terminal's one connection); an unknown kind is an UnknownAgentKindError listing the known ones.
 */
export class BackendRegistry {
  private readonly backends = new Map<string, SessionBackend>();

  constructor(backends: Iterable<SessionBackend> = []) {
    for (const b of backends) this.register(b);
  }

  register(backend: SessionBackend): void {
    if (this.backends.has(backend.name)) throw new Error(`backend "${backend.name}" is already registered`);
    this.backends.set(backend.name, backend);
  }

  names(): string[] {
    return [...this.backends.keys()];
  }

  has(name: string): boolean {
    return this.backends.has(name);
  }

  backendByName(name: string): SessionBackend {
    const b = this.backends.get(name);
    if (!b) throw new UnknownBackendError(name, this.names());
    return b;
  }

  /**
   * The backend that drives the agent's session: its own `backend_type` (or the default), with the
   * UI of its own `agent_kind` (or that backend's default kind).
   */
  backendFor(agent: BackendChoice): SessionBackend {
    const backend = this.backendByName(backendNameOf(agent));
    return agent.agent_kind ? backend.forAgentKind(agent.agent_kind) : backend;
  }

  /**
   * The agent program an agent runs: its own `agent_kind`, else the default kind of its backend
   * (of the default backend when its own is not configured; '' when no backend is).
   */
  agentKindOf(agent: BackendChoice): string {
    if (agent.agent_kind) return agent.agent_kind;
    const backend = this.backends.get(backendNameOf(agent)) ?? this.backends.get(DEFAULT_BACKEND) ?? this.all()[0];
    return backend?.agentKind ?? '';
  }

  all(): SessionBackend[] {
    return [...this.backends.values()];
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((b) => b.close?.()));
  }
}
