import { setTimeout as sleep } from 'node:timers/promises';
import { ACTION_DONE_CHANNEL, ACTIONS_CHANNEL, type AgentRecord, type RemoteAction, type Store } from '../store/store.js';
import { DomainError, isDomainError, type DomainErrorCode } from './errors.js';
import type { Caller, Target } from './identity.js';
import { nameKey } from './identity.js';

/**
 * Actions on a session of another host (hubs sharing one database). The calling hub queues the
 * action in the database (`forwardAction`); the hub of the session's host claims it exactly once,
 * runs it as the caller through its own core (so its per-session order, checks and answers apply)
 * and writes the outcome (`RemoteExecutor`); the caller gets that answer, or, when the host does not
 * take the action within a bound, a sentence naming the host (the action is then withdrawn and
 * never runs late).
 */

/** The actions forwarded, by the core's wording of each (`Coordinator.action`'s `what`, lifecycle's). */
export const FORWARDED: Readonly<Record<string, string>> = {
  'send input to': 'send_input',
  'approve prompts of': 'approve',
  interrupt: 'interrupt',
  stop: 'stop_agent',
  'read the screen of': 'read_screen',
  spawn: 'spawn_agent',
};

/** How long a caller waits for the host to take the action, then for its answer. */
export const CLAIM_BOUND_MS = 15_000;
export const ANSWER_BOUND_MS = 90_000;

export interface ForwardContext {
  store: Store;
  /** This host. */
  from: string;
  clock: () => number;
}

/** Runs `what` on the hub of `agent`'s host (an agent to spawn: of the host named) and answers with its result (or its error). */
export async function forwardAction<T>(ctx: ForwardContext, agent: Pick<AgentRecord, 'name' | 'host'>, caller: Caller, input: Target, what: string): Promise<T> {
  const host = agent.host!;
  const kind = FORWARDED[what]!;
  const now = ctx.clock();
  const lease = (await ctx.store.hostLiveness()).hosts.find((h) => nameKey(h.name) === nameKey(host));
  if (!lease || lease.expires_at <= now) {
    throw new DomainError(
      'backend_unavailable',
      `"${agent.name}" runs on host "${host}", whose hub is not running (${lease ? `its lease ended at ${new Date(lease.expires_at).toISOString()}` : 'none has started there'}): nothing was sent. Start that hub, or try again when list_liveness no longer shows host_down.`,
      5,
    );
  }
  const id = await ctx.store.queueRemoteAction({ host, from_host: ctx.from, kind, caller, input, deadline: now + CLAIM_BOUND_MS });
  let claimed = false;
  const done = doneSignals(ctx.store);
  // Woken by the owner's NOTIFY when the store has them; polling (faster without them) is the fallback.
  for (let pause = 5; ; pause = Math.min(pause * 2, done ? 250 : 50)) {
    await (done ? done.wait(id, pause) : sleep(pause));
    const a = await ctx.store.remoteAction(id);
    if (a?.state === 'done') return (a.outcome as { result: T }).result;
    if (a?.state === 'failed') {
      const e = (a.outcome as { error: { code: DomainErrorCode; message: string; retry_after?: number } }).error;
      throw new DomainError(e.code, e.message, e.retry_after);
    }
    claimed ||= a?.state === 'running';
    const waited = ctx.clock() - now;
    if (!claimed && waited > CLAIM_BOUND_MS && (await ctx.store.cancelRemoteAction(id))) {
      throw new DomainError(
        'backend_unavailable',
        `The hub of host "${host}" did not take the action on "${agent.name}" within ${CLAIM_BOUND_MS / 1000} s (busy, stopped, or cut off from the database): it was withdrawn, nothing was sent. Try again.`,
        5,
      );
    }
    if (waited > ANSWER_BOUND_MS) {
      throw new DomainError(
        'backend_unavailable',
        `The hub of host "${host}" took the action on "${agent.name}" but did not answer within ${ANSWER_BOUND_MS / 1000} s: whether it was done is unknown. Check with capture_output or list_liveness before repeating it.`,
      );
    }
  }
}

/** Per store: one listener for "action answered" notifications, and the callers waiting on them. */
const signals = new WeakMap<Store, { wait(id: number, ms: number): Promise<void> }>();
function doneSignals(store: Store): { wait(id: number, ms: number): Promise<void> } | undefined {
  if (!store.listen) return undefined;
  let s = signals.get(store);
  if (!s) {
    const waiting = new Map<number, Set<() => void>>();
    store.listen(ACTION_DONE_CHANNEL, (payload) => {
      for (const wake of waiting.get(Number(payload)) ?? []) wake();
    });
    s = {
      wait: (id, ms) =>
        new Promise<void>((resolve) => {
          const set = waiting.get(id) ?? new Set();
          waiting.set(id, set);
          const wake = () => {
            clearTimeout(timer);
            set.delete(wake);
            if (set.size === 0) waiting.delete(id);
            resolve();
          };
          const timer = setTimeout(wake, ms);
          set.add(wake);
        }),
    };
    signals.set(store, s);
  }
  return s;
}

export interface ExecutorOptions {
  store: Store;
  host: string;
  /** Runs one action as its caller on this hub (the core's sendInput / approve / interrupt). */
  run(kind: string, caller: Caller, input: unknown): Promise<unknown>;
  /** A failure that is not the caller's to fix: logged here, answered generically. */
  explain(err: unknown, where: string): { code: DomainErrorCode; message: string; retry_after?: number };
  intervalMs?: number;
  onError?: (err: unknown) => void;
}

/** Claims the actions queued for this host, one at a time in queue order, and records each outcome. */
export class RemoteExecutor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private unlisten: (() => Promise<void>) | undefined;
  private again = false;

  constructor(private readonly opts: ExecutorOptions) {}

  start(): void {
    // Woken at once by the NOTIFY of an action queued for this host; the poll is the fallback.
    const listening = this.opts.store.listen !== undefined;
    this.unlisten = this.opts.store.listen?.(ACTIONS_CHANNEL, (host) => {
      if (nameKey(host) !== nameKey(this.opts.host) || this.stopped) return;
      if (this.running) this.again = true;
      else {
        clearTimeout(this.timer);
        loop();
      }
    });
    const loop = () => {
      this.running = this.drain()
        .then(
          () => undefined,
          (err: unknown) => this.opts.onError?.(err),
        )
        .finally(() => {
          this.running = undefined;
          const now = this.again;
          this.again = false;
          if (!this.stopped) this.timer = setTimeout(loop, now ? 0 : (this.opts.intervalMs ?? (listening ? 500 : 50)));
        });
    };
    this.timer = setTimeout(loop, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.unlisten?.();
  }

  /** Runs every action queued for this host now; returns how many. */
  async drain(): Promise<number> {
    let n = 0;
    for (let a = await this.opts.store.claimRemoteAction(this.opts.host); a && !this.stopped; a = await this.opts.store.claimRemoteAction(this.opts.host)) {
      await this.runOne(a);
      n++;
    }
    return n;
  }

  private async runOne(a: RemoteAction): Promise<void> {
    try {
      const result = await this.opts.run(a.kind, a.caller as Caller, a.input);
      await this.opts.store.finishRemoteAction(a.id, 'done', { result });
    } catch (err) {
      const error = isDomainError(err)
        ? { code: err.code, message: err.message, ...(err.retryAfterSeconds !== undefined && { retry_after: err.retryAfterSeconds }) }
        : this.opts.explain(err, `${a.kind} from host "${a.from_host}"`);
      await this.opts.store.finishRemoteAction(a.id, 'failed', { error });
    }
  }
}
