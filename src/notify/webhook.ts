import type { NotificationEvent, NotificationSink } from '../core/notifications.js';
import type { Logger } from '../log.js';
import { VERSION } from '../version.js';

/**
 * `serve --notify-webhook URL`: each event is POSTed to URL as JSON, in order, one at a time. A
 * request has a timeout; a failure (network, timeout, 5xx, 429) is retried after a pause, a 4xx
 * is not (the receiver refused the body). Delivery runs beside the hub, never in its way: deliver()
 * only queues, and a queue that grows past its bound (a receiver down for long) drops its oldest.
 * The URL often carries a secret (a Slack webhook, an ntfy topic), so logs show only its origin.
 */

export interface WebhookOptions {
  log: Logger;
  /** One request's limit. */
  timeoutMs?: number;
  /** Pauses before each retry; their count is the number of retries. */
  retryDelaysMs?: readonly number[];
  maxQueue?: number;
}

export const WEBHOOK_DEFAULTS = { timeoutMs: 5000, retryDelaysMs: [1000, 4000, 15_000], maxQueue: 100 } as const;

export class WebhookSink implements NotificationSink {
  readonly name: string;
  private readonly url: string;
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private readonly retryDelaysMs: readonly number[];
  private readonly maxQueue: number;
  private readonly queue: NotificationEvent[] = [];
  private pumping: Promise<void> | undefined;

  constructor(url: string, opts: WebhookOptions) {
    this.url = url;
    this.name = `webhook ${new URL(url).origin}`;
    this.log = opts.log;
    this.timeoutMs = opts.timeoutMs ?? WEBHOOK_DEFAULTS.timeoutMs;
    this.retryDelaysMs = opts.retryDelaysMs ?? WEBHOOK_DEFAULTS.retryDelaysMs;
    this.maxQueue = opts.maxQueue ?? WEBHOOK_DEFAULTS.maxQueue;
  }

  deliver(event: NotificationEvent): void {
    if (this.queue.length >= this.maxQueue) {
      const dropped = this.queue.shift()!;
      this.log.warn(`${this.name}: ${this.maxQueue} events waiting; dropped the oldest (${dropped.kind} of ${dropped.agent})`);
    }
    this.queue.push(event);
    this.pumping ??= this.pump().finally(() => (this.pumping = undefined));
  }

  async drain(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  private async pump(): Promise<void> {
    for (let event = this.queue.shift(); event !== undefined; event = this.queue.shift()) await this.post(event);
  }

  private async post(event: NotificationEvent): Promise<void> {
    const body = JSON.stringify(event);
    for (let attempt = 0; ; attempt++) {
      let why: string;
      try {
        const res = await fetch(this.url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'User-Agent': `agent-boss/${VERSION}` },
          body,
          redirect: 'error',
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        await res.body?.cancel().catch(() => undefined);
        if (res.ok) return;
        why = `answered ${res.status}`;
        if (res.status < 500 && res.status !== 429 && res.status !== 408) {
          this.log.warn(`${this.name}: ${why} to the ${event.kind} event of ${event.agent}; not retried (the receiver refused it)`);
          return;
        }
      } catch (err) {
        why = (err as Error).name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : `${(err as Error).message}${(err as { cause?: Error }).cause ? ` (${(err as { cause: Error }).cause.message})` : ''}`;
      }
      const pause = this.retryDelaysMs[attempt];
      if (pause === undefined) {
        this.log.warn(`${this.name}: ${why}; gave up on the ${event.kind} event of ${event.agent} after ${attempt + 1} tries`);
        return;
      }
      this.log.debug(`${this.name}: ${why}; retrying in ${pause} ms`);
      await new Promise((r) => setTimeout(r, pause).unref());
    }
  }
}
