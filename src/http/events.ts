import { sameName } from '../core/identity.js';
import type { Context } from 'hono';
import type { Logger } from '../log.js';
import type { StoredEvent } from '../core/records.js';
import type { EventWake } from '../core/event-wake.js';

/** Where the events come from: the core (Coordinator.lastEventId / eventsSince). */
export interface EventFeed {
  lastEventId(): Promise<number>;
  eventsSince(id: number, limit?: number): Promise<StoredEvent[]>;
}

/**
 * Server-Sent Events from the events table.
 *
 * Any process writes events (a stdio server accepting a report, the HTTP hub, the liveness
 * monitor in whichever process holds the lease), so the stream reads them from the database, never
 * from memory: one poller per hub reads `eventsSince(cursor)` every POLL_MS while at least one
 * client is connected and fans the rows out. The SSE `id:` of each event is its row id, so a client
 * reconnecting with `Last-Event-ID: N` is replayed every event after N (from the table) and then
 * continues live; each subscriber remembers the last id it was given, so replay and live delivery
 * never send an event twice.
 */

/** How often the table is read while clients are connected: short enough to feel live. */
const POLL_MS = 200;
/** With notifications (PostgreSQL), the poll is only the fallback for a lost one. */
const WOKEN_POLL_MS = 2_000;
/** Comment line that keeps proxies and idle timeouts from closing a quiet stream. */
const HEARTBEAT_MS = 15_000;
/**
 * Bytes a subscriber may hold written but not yet taken by its connection (the socket stops taking
 * them when the client stops reading). One more frame past this bound drops the client: its
 * stream ends and its socket is closed; it resumes with Last-Event-ID. Counted in bytes: a
 * chunk count let a client that never reads pin hundreds of megabytes.
 */
export const MAX_BUFFERED_BYTES = 2 * 1024 * 1024;
/** A replay (after Last-Event-ID) fills a subscriber's buffer up to this, refilled as the client reads. */
const REPLAY_HIGH_WATER = 64 * 1024;
/** Rows read per query, so a long replay does not load the whole table at once. */
const PAGE = 500;
/**
 * How often the credential a stream was opened with is checked again: a token revoked (by
 * `agent-boss token revoke`, in another process) ends its open streams within this.
 */
export const CREDENTIAL_CHECK_MS = 1000;

/** Whether the credential a stream was opened with still holds (re-checked while it is open). */
export type CredentialCheck = () => Promise<boolean>;

export interface EventFilter {
  /** Only events of this space (case-insensitive); events without a space go to everyone. */
  space?: string;
  /**
   * Also send each `session_liveness` event under its old name `tmux_liveness` (same id and data),
   * for consumers written before the rename (`?legacy_names=1`). Deprecated.
   */
  legacyNames?: boolean;
}

/** Old names of renamed events, sent as well when a subscriber asks for legacy names. */
const LEGACY_NAMES: Record<string, string> = { session_liveness: 'tmux_liveness' };

interface Subscriber {
  lastId: number;
  filter: EventFilter;
  /** Still sending what it missed, page by page from the table as the client reads; live events wait. */
  replaying: boolean;
  /** A replay read is under way (reads are asynchronous; only one at a time per subscriber). */
  reading?: boolean;
  /** Bytes written to its stream and not yet taken by its connection. */
  buffered(): number;
  /** Sends one event in id order (live or replayed). */
  deliver(ev: StoredEvent): void;
  send(ev: StoredEvent): void;
  comment(text: string): void;
  close(): void;
  /** Re-checks the credential it was opened with; absent when it was opened without one. */
  stillAllowed?: CredentialCheck;
}

export class EventHub {
  private readonly subscribers = new Set<Subscriber>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private cursor = 0;
  private closed = false;
  private lastCredentialCheck = 0;

  private unwake: (() => void) | undefined;
  private rewake = false;

  constructor(
    private readonly store: EventFeed,
    private readonly log?: Logger,
    private readonly pollMs = POLL_MS,
    private readonly heartbeatMs = HEARTBEAT_MS,
    private readonly maxBufferedBytes = MAX_BUFFERED_BYTES,
    /** The store's "new events" notifications (PostgreSQL): read at once on each, and poll only every WOKEN_POLL_MS. */
    private readonly wake?: EventWake,
  ) {}

  get size(): number {
    return this.subscribers.size;
  }

  /** Bytes each connected subscriber holds unread (for health checks and tests). */
  bufferedBytes(): number[] {
    return [...this.subscribers].map((s) => s.buffered());
  }

  /** GET /events: an SSE response fed from the events table; `stillAllowed` ends it once its credential is revoked. */
  async respond(c: Context, filter: EventFilter, stillAllowed?: CredentialCheck): Promise<Response> {
    if (this.closed) return c.json({ error: 'server is shutting down', code: 'unavailable' }, 503);
    const lastEventId = parseLastEventId(c.req.header('last-event-id') ?? c.req.query('lastEventId'));
    const newest = await this.store.lastEventId();
    // Under @hono/node-server the Node response is at hand: dropping a client closes its socket too,
    // which also frees whatever the socket itself still holds.
    const outgoing = (c.env as { outgoing?: { destroy(): void } } | undefined)?.outgoing;
    const encoder = new TextEncoder();
    let sub: Subscriber | undefined;
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          let open = true;
          const buffered = () => REPLAY_HIGH_WATER - (controller.desiredSize ?? 0);
          const write = (text: string) => {
            if (!open) return;
            // Checked before writing: one frame always fits in an emptied buffer, however large.
            if (buffered() > this.maxBufferedBytes) {
              this.log?.warn(
                `SSE client is not reading (${buffered()} bytes unread, limit ${this.maxBufferedBytes}); closing its stream (it can resume with Last-Event-ID)`,
              );
              drop();
              return;
            }
            controller.enqueue(encoder.encode(text));
          };
          const drop = () => {
            if (!open) return;
            open = false;
            this.subscribers.delete(s);
            // Closing the socket makes the server cancel this stream, which frees its buffer.
            if (outgoing) return outgoing.destroy();
            try {
              controller.error(new Error('SSE client dropped: it stopped reading'));
            } catch {
              // already closed or cancelled
            }
          };
          const s: Subscriber = {
            // An id from the future (another database, or a reset one) cannot be resumed: start now.
            lastId: lastEventId !== undefined && lastEventId <= newest ? lastEventId : newest,
            filter,
            replaying: false,
            buffered,
            deliver: (ev) => {
              if (ev.id <= s.lastId) return;
              s.lastId = ev.id;
              if (!matches(ev, filter)) return;
              write(this.frameOf(ev));
              const legacy = filter.legacyNames ? LEGACY_NAMES[ev.kind] : undefined;
              if (legacy !== undefined) write(formatEvent({ ...ev, kind: legacy }));
            },
            send: (ev) => {
              if (!s.replaying) s.deliver(ev);
            },
            comment: (text) => write(`: ${text}\n\n`),
            ...(stillAllowed !== undefined && { stillAllowed }),
            close: () => {
              if (!open) return;
              open = false;
              this.subscribers.delete(s);
              try {
                controller.close();
              } catch {
                // already closed or cancelled
              }
            },
          };
          sub = s;
          // Tell EventSource to retry soon, and open the stream at once so clients see the headers.
          write(`retry: 2000\n: connected\n\n`);
          if (this.timer === undefined) this.cursor = newest;
          s.replaying = s.lastId < this.cursor;
          this.subscribers.add(s);
          this.ensureRunning();
          if (s.replaying) void this.replay(s);
        },
        // Called whenever the client has taken what was written and there is room again.
        pull: () => {
          if (sub?.replaying) void this.replay(sub);
        },
        cancel: () => {
          sub?.close();
        },
      },
      new ByteLengthQueuingStrategy({ highWaterMark: REPLAY_HIGH_WATER }),
    );
    return new Response(stream, {
      status: 200,
      headers: {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      },
    });
  }

  /** Each event is serialised once, however many clients receive it. */
  private readonly frames = new WeakMap<StoredEvent, string>();
  private frameOf(ev: StoredEvent): string {
    let frame = this.frames.get(ev);
    if (frame === undefined) this.frames.set(ev, (frame = formatEvent(ev)));
    return frame;
  }

  /** Ends every stream (server shutdown) and stops polling. */
  close(): void {
    this.closed = true;
    for (const s of [...this.subscribers]) s.close();
    this.stop();
  }

  /** Reads new events now (the timer does this every POLL_MS; tests may call it directly). */
  async poll(): Promise<void> {
    if (this.subscribers.size === 0 || this.polling) return;
    this.polling = true;
    try {
      if (Date.now() - this.lastCredentialCheck >= CREDENTIAL_CHECK_MS) {
        this.lastCredentialCheck = Date.now();
        await this.dropRevoked();
      }
      for (;;) {
        const batch = await this.store.eventsSince(this.cursor, PAGE);
        for (const ev of batch) {
          this.cursor = ev.id;
          for (const s of [...this.subscribers]) s.send(ev);
        }
        if (batch.length < PAGE) break;
      }
    } catch (err) {
      this.log?.error(`reading events for SSE failed: ${(err as Error).message}`);
    } finally {
      this.polling = false;
    }
    // Woken while reading: the new events may have committed after this read's query.
    if (this.rewake) {
      this.rewake = false;
      await this.poll();
    }
  }

  /** Ends the streams whose credential no longer holds (a revoked agent token), before they get another event. */
  private async dropRevoked(): Promise<void> {
    for (const s of [...this.subscribers]) {
      if (s.stillAllowed === undefined) continue;
      let allowed: boolean;
      try {
        allowed = await s.stillAllowed();
      } catch (err) {
        this.log?.error(`checking an SSE client's credential failed: ${(err as Error).message}`);
        allowed = false;
      }
      if (!allowed) {
        this.log?.info('SSE client\'s token was revoked: closing its stream');
        s.comment('credential revoked');
        s.close();
      }
    }
  }

  /**
   * Sends a subscriber what it missed (after Last-Event-ID), from the table, until its buffer is
   * full; the stream asks again (pull) once the client has read. When it reaches the hub's cursor
   * it takes live events; those that arrived meanwhile were read from the table with the rest.
   */
  private async replay(s: Subscriber): Promise<void> {
    if (s.reading) return;
    s.reading = true;
    try {
      while (s.replaying) {
        if (s.lastId >= this.cursor) {
          s.replaying = false;
          return;
        }
        if (s.buffered() >= REPLAY_HIGH_WATER) return;
        const batch = await this.store.eventsSince(s.lastId, PAGE);
        for (const ev of batch) {
          if (ev.id > this.cursor) break;
          s.deliver(ev);
          if (!this.subscribers.has(s)) return;
          if (s.buffered() >= REPLAY_HIGH_WATER) break;
        }
        // Past the end of what the table holds up to the cursor (pruned, or the page ran out):
        // everything up to the cursor has been delivered.
        if (batch.length === 0 || batch[batch.length - 1]!.id > this.cursor) s.lastId = Math.max(s.lastId, this.cursor);
      }
    } catch (err) {
      this.log?.error(`replaying events for SSE failed: ${(err as Error).message}`);
    } finally {
      s.reading = false;
    }
  }

  private ensureRunning(): void {
    if (this.timer !== undefined) return;
    this.unwake = this.wake?.subscribe(() => {
      if (this.polling) this.rewake = true;
      else void this.poll();
    });
    this.timer = setInterval(() => {
      if (this.subscribers.size === 0) return this.stop();
      void this.poll();
    }, this.wake ? Math.max(this.pollMs, WOKEN_POLL_MS) : this.pollMs);
    this.timer.unref();
    this.heartbeat = setInterval(() => {
      for (const s of this.subscribers) s.comment('keep-alive');
    }, this.heartbeatMs);
    this.heartbeat.unref();
  }

  private stop(): void {
    this.unwake?.();
    this.unwake = undefined;
    clearInterval(this.timer);
    clearInterval(this.heartbeat);
    this.timer = undefined;
    this.heartbeat = undefined;
  }
}

const parseLastEventId = (v: string | undefined): number | undefined => {
  if (v === undefined || !/^\d{1,15}$/.test(v.trim())) return undefined;
  return Number(v.trim());
};

const matches = (ev: StoredEvent, f: EventFilter): boolean =>
  f.space === undefined || ev.space === null || sameName(ev.space, f.space);

/** One SSE frame: `id:`, `event:`, `data:` (JSON on one line), blank line. */
export const formatEvent = (ev: StoredEvent): string => `id: ${ev.id}\nevent: ${ev.kind}\ndata: ${JSON.stringify(ev.payload)}\n\n`;
