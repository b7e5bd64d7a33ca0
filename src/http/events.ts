import type { Context } from 'hono';
import type { Logger } from '../log.js';
import type { StoredEvent, Store } from '../store/store.js';

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
/** Comment line that keeps proxies and idle timeouts from closing a quiet stream. */
const HEARTBEAT_MS = 15_000;
/** A client that lets this much pile up unread is dropped; it reconnects with Last-Event-ID. */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;
/** Rows read per query, so a long replay does not load the whole table at once. */
const PAGE = 500;

export interface EventFilter {
  /** Only events of this space (case-insensitive); events without a space go to everyone. */
  space?: string;
}

interface Subscriber {
  lastId: number;
  filter: EventFilter;
  send(ev: StoredEvent): void;
  comment(text: string): void;
  close(): void;
}

export class EventHub {
  private readonly subscribers = new Set<Subscriber>();
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private cursor = 0;
  private closed = false;
  private polling = false;

  constructor(
    private readonly store: Store,
    private readonly log?: Logger,
    private readonly pollMs = POLL_MS,
    private readonly heartbeatMs = HEARTBEAT_MS,
  ) {}

  get size(): number {
    return this.subscribers.size;
  }

  /** GET /events: an SSE response fed from the events table. */
  async respond(c: Context, filter: EventFilter): Promise<Response> {
    if (this.closed) return c.json({ error: 'server is shutting down', code: 'unavailable' }, 503);
    const lastEventId = parseLastEventId(c.req.header('last-event-id') ?? c.req.query('lastEventId'));
    const newest = await this.store.lastEventId();
    const encoder = new TextEncoder();
    let sub: Subscriber | undefined;
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        let open = true;
        const write = (text: string) => {
          if (!open) return;
          controller.enqueue(encoder.encode(text));
          if ((controller.desiredSize ?? 0) < -MAX_QUEUED_BYTES) {
            this.log?.warn('SSE client is not reading; closing its stream (it can resume with Last-Event-ID)');
            s.close();
          }
        };
        const s: Subscriber = {
          // An id from the future (another database, or a reset one) cannot be resumed: start now.
          lastId: lastEventId !== undefined && lastEventId <= newest ? lastEventId : newest,
          filter,
          send: (ev) => {
            if (ev.id <= s.lastId) return;
            s.lastId = ev.id;
            if (matches(ev, filter)) write(this.frameOf(ev));
          },
          comment: (text) => write(`: ${text}\n\n`),
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
        this.subscribers.add(s);
        void this.replay(s).catch((err: unknown) => this.log?.error(`replaying events for SSE failed: ${(err as Error).message}`));
        this.ensureRunning();
      },
      cancel: () => {
        sub?.close();
      },
    });
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
  }

  /** Sends a new subscriber what it missed (after Last-Event-ID) up to the hub's cursor. */
  private async replay(s: Subscriber): Promise<void> {
    let from = s.lastId;
    while (from < this.cursor) {
      const batch = await this.store.eventsSince(from, PAGE);
      if (batch.length === 0) break;
      for (const ev of batch) {
        if (ev.id > this.cursor) return;
        s.send(ev);
        from = ev.id;
      }
    }
  }

  private ensureRunning(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      if (this.subscribers.size === 0) return this.stop();
      void this.poll();
    }, this.pollMs);
    this.timer.unref();
    this.heartbeat = setInterval(() => {
      for (const s of this.subscribers) s.comment('keep-alive');
    }, this.heartbeatMs);
    this.heartbeat.unref();
  }

  private stop(): void {
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
  f.space === undefined || ev.space === null || ev.space.toLowerCase() === f.space.toLowerCase();

/** One SSE frame: `id:`, `event:`, `data:` (JSON on one line), blank line. */
export const formatEvent = (ev: StoredEvent): string => `id: ${ev.id}\nevent: ${ev.kind}\ndata: ${JSON.stringify(ev.payload)}\n\n`;
