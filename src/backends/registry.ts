import type { SessionBackend } from './session-backend.js';

/** The backend an agent uses when it never named one. */
export const DEFAULT_BACKEND = 'tmux';

/** The name of the backend an agent uses: its own `backend_type`, else the default. */
export const backendNameOf = (agent: { backend_type?: string | null }): string => agent.backend_type || DEFAULT_BACKEND;

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
 * Resolves which backend serves an agent. Backends are registered once at start-up; an unknown
 * name is an error that lists the configured ones, never a silent fallback to another backend.
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

  /** The agent's own `backend_type`, or the default when it never set one. */
  backendFor(agent: { backend_type?: string | null }): SessionBackend {
    return this.backendByName(backendNameOf(agent));
  }

  all(): SessionBackend[] {
    return [...this.backends.values()];
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((b) => b.close?.()));
  }
}
