/**
 * resources/subscribe for one MCP session: while a client is subscribed to at least one URI, each
 * URI is read every POLL_MS and `notifications/resources/updated` is sent when what it shows changed.
 * Reading (not an in-memory signal) is what makes it work across processes: a report made through
 * any server lands in the shared database and is seen here on the next read.
 */

import type { EventWake } from '../core/event-wake.js';

const POLL_MS = 1000;

export interface SubscriptionOptions {
  /** What the resource shows now, as a comparable key; throws when the URI is not a resource. */
  snapshot(uri: string): Promise<string>;
  notify(uri: string): Promise<void>;
  onError?(uri: string, err: unknown): void;
  pollMs?: number;
  /** The store's "new events" notifications (PostgreSQL): read on each, and poll only every WOKEN_POLL_MS. */
  wake?: EventWake;
}

/** With notifications, the poll is only the fallback (for what changes without an event, such as staleness). */
const WOKEN_POLL_MS = 5_000;

export class Subscriptions {
  private readonly last = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private closed = false;
  private rewake = false;
  private unwake: (() => void) | undefined;

  constructor(private readonly opts: SubscriptionOptions) {}

  get uris(): string[] {
    return [...this.last.keys()];
  }

  /** Starts watching `uri` (reading it once now, so an unknown URI is refused at once). */
  async subscribe(uri: string): Promise<void> {
    const key = await this.opts.snapshot(uri);
    if (this.closed) return;
    this.last.set(uri, key);
    if (this.timer === undefined) {
      this.unwake = this.opts.wake?.subscribe(() => {
        if (this.busy) this.rewake = true;
        else void this.tick();
      });
      this.timer = setInterval(() => void this.tick(), this.opts.pollMs ?? (this.opts.wake ? WOKEN_POLL_MS : POLL_MS));
      this.timer.unref();
    }
  }

  unsubscribe(uri: string): void {
    this.last.delete(uri);
    if (this.last.size === 0) this.stop();
  }

  close(): void {
    this.closed = true;
    this.last.clear();
    this.stop();
  }

  /** Reads every subscribed URI once and notifies the changed ones (the timer calls this). */
  async tick(): Promise<void> {
    if (this.busy || this.closed) return;
    this.busy = true;
    try {
      for (const [uri, before] of [...this.last]) {
        let now: string;
        try {
          now = await this.opts.snapshot(uri);
        } catch (err) {
          this.opts.onError?.(uri, err);
          continue;
        }
        if (!this.last.has(uri) || now === before) continue;
        this.last.set(uri, now);
        await this.opts.notify(uri).catch((err: unknown) => this.opts.onError?.(uri, err));
      }
    } finally {
      this.busy = false;
    }
    if (this.rewake) {
      this.rewake = false;
      await this.tick();
    }
  }

  private stop(): void {
    this.unwake?.();
    this.unwake = undefined;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
