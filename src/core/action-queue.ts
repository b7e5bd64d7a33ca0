import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Store, Ticket, TicketOwner } from '../store/store.js';
import { DomainError } from './errors.js';

/**
 * One action at a time per agent session, across every process on the database, in the order the
 * actions were asked for.
 *
 * Typing a message is several terminal commands (the text, a pause, Enter); two sends that overlap
 * interleave into one merged submission plus empty Enters. So every send, approve and interrupt runs
 * through `run`, in two stages:
 *
 * 1. In this process, a FIFO per target agent, entered synchronously when the call arrives: calls
 *    in one process act in call order.
 * 2. Across processes, a FIFO of tickets in the store, one queue per session: the call appends a
 *    ticket and acts once its ticket is the lowest live one. A ticket names its owner (host, pid)
 *    and expires unless renewed (the owner renews it while it waits and acts), so the ticket of a
 *    process that crashed is dropped by the next one to look, and never blocks the queue for long.
 */

export interface ActionQueueOptions {
  store: Store;
  clock?: () => number;
  /** A ticket not renewed for this long is stale (its owner hung or died on another host). */
  ticketTtlMs?: number;
  /** Longest wait for one's turn before giving up (nothing sent). */
  waitTimeoutMs?: number;
  /** Whether the owner of a ticket still runs (default: signal 0 for a process on this host). */
  isAlive?: (owner: TicketOwner) => boolean;
}

/** Ten seconds: an action takes up to ~3 s (approve and interrupt wait for the screen to settle). */
const TICKET_TTL_MS = 10_000;
const WAIT_TIMEOUT_MS = 60_000;
/** Pauses between looks at the queue while another process acts: short first, then capped. */
const POLL_FIRST_MS = 5;
const POLL_MAX_MS = 50;

const HOST = hostname();

/** True unless the process is known to be gone (on this host: kill(pid, 0) answers ESRCH). */
export function ownerAlive(owner: TicketOwner): boolean {
  if (owner.host !== HOST) return true; // cannot tell: expiry decides
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class ActionQueue {
  private readonly store: Store;
  private readonly clock: () => number;
  private readonly ttlMs: number;
  private readonly waitTimeoutMs: number;
  private readonly isAlive: (owner: TicketOwner) => boolean;
  private readonly owner: TicketOwner;
  /** Per target: the promise the next call in this process waits for. */
  private readonly local = new Map<string, Promise<void>>();
  /** Per queue: callbacks that end a waiter's pause early when this process leaves the queue. */
  private readonly wakers = new Map<string, Set<() => void>>();
  /** Own tickets whose removal failed: stale for this process at once, removed later. */
  private readonly abandoned = new Set<number>();

  constructor(opts: ActionQueueOptions) {
    this.store = opts.store;
    this.clock = opts.clock ?? Date.now;
    this.ttlMs = opts.ticketTtlMs ?? TICKET_TTL_MS;
    this.waitTimeoutMs = opts.waitTimeoutMs ?? WAIT_TIMEOUT_MS;
    this.isAlive = opts.isAlive ?? ownerAlive;
    this.owner = { holder: `${process.pid}-${randomUUID()}`, host: HOST, pid: process.pid };
  }

  /**
   * Waits for earlier calls on `target` in this process, then `prepare` (which resolves the session
   * and checks the call is allowed, now that it is this call's turn) names the shared `queue`;
   * `act` runs once this call holds that queue.
   */
  async run<P extends { queue: string }, T>(target: string, prepare: () => Promise<P>, act: (p: P) => Promise<T>): Promise<T> {
    const before = this.local.get(target) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    const tail = before.then(() => mine);
    this.local.set(target, tail);
    try {
      await before;
      const prepared = await prepare();
      return await this.holding(prepared.queue, () => act(prepared));
    } finally {
      done();
      if (this.local.get(target) === tail) this.local.delete(target);
    }
  }

  /** Runs `fn` while holding the shared queue `queue`. */
  private async holding<T>(queue: string, fn: () => Promise<T>): Promise<T> {
    const ticket = { id: await this.store.enqueueTicket(queue, this.owner, this.expiry()) };
    try {
      await this.waitTurn(queue, ticket);
      const renew = setInterval(() => {
        this.store.renewTicket(ticket.id, this.expiry()).catch(() => undefined);
      }, this.ttlMs / 3);
      renew.unref();
      try {
        return await fn();
      } finally {
        clearInterval(renew);
      }
    } finally {
      await this.leave(queue, ticket.id);
    }
  }

  private async waitTurn(queue: string, ticket: { id: number }): Promise<void> {
    const started = this.clock();
    let renewedAt = started;
    for (let i = 0; ; i++) {
      const now = this.clock();
      const all = await this.store.tickets(queue);
      const stale = all.filter((t) => t.id !== ticket.id && this.isStale(t, now));
      if (stale.length > 0) await this.store.removeTickets(stale.map((t) => t.id)).catch(() => undefined);
      const live = all.filter((t) => !stale.includes(t));
      if (!live.some((t) => t.id === ticket.id)) {
        // Another process took our ticket for stale (we could not renew it in time): queue again.
        ticket.id = await this.store.enqueueTicket(queue, this.owner, this.expiry());
        renewedAt = now;
        continue;
      }
      if (live[0]!.id === ticket.id) return;
      if (now - started >= this.waitTimeoutMs) {
        const ahead = live.findIndex((t) => t.id === ticket.id);
        throw new DomainError(
          'session_busy',
          `Session "${sessionOf(queue)}" is still busy with ${ahead} earlier action(s) after ${Math.round(this.waitTimeoutMs / 1000)} s, so nothing was sent. Try again later, or check list_liveness.`,
          5,
        );
      }
      if (now - renewedAt >= this.ttlMs / 3) {
        await this.store.renewTicket(ticket.id, this.expiry()).catch(() => undefined);
        renewedAt = now;
      }
      await this.pause(queue, Math.min(POLL_FIRST_MS * 2 ** i, POLL_MAX_MS));
    }
  }

  private isStale(t: Ticket, now: number): boolean {
    return t.expires_at < now || this.abandoned.has(t.id) || !this.isAlive(t);
  }

  private async leave(queue: string, id: number): Promise<void> {
    try {
      await this.store.removeTickets([id]);
      this.abandoned.delete(id);
    } catch {
      // The database is locked for now: this process treats the ticket as gone at once, others
      // once it expires; removal is tried again later.
      this.abandoned.add(id);
      const retry = setTimeout(() => void this.leave(queue, id), 1000);
      retry.unref();
    }
    for (const wake of this.wakers.get(queue) ?? []) wake();
  }

  /** Sleeps up to `ms`, less when this process leaves `queue` meanwhile. */
  private pause(queue: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let set = this.wakers.get(queue);
      if (!set) this.wakers.set(queue, (set = new Set()));
      const wake = () => {
        clearTimeout(timer);
        set!.delete(wake);
        if (set!.size === 0) this.wakers.delete(queue);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      set.add(wake);
    });
  }

  private expiry(): number {
    return this.clock() + this.ttlMs;
  }
}

/** Queue name of a session: its backend and id. */
export const sessionQueue = (backend: string, sessionId: string): string => `${backend}:${sessionId}`;
const sessionOf = (queue: string): string => queue.slice(queue.indexOf(':') + 1);
